import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { z } from 'zod';
import type { TenantAuth } from './tenantEntry.js';

/**
 * The credential that signs the MSP's multi-tenant app in to one customer tenant, by the tenant's
 * `auth` (see tenantEntry.ts). @azure/identity is loaded at the first token request, like
 * src/azure/defaultCredential.ts, so a fleet worker that only reads state loads none of it.
 *
 * `managedIdentity` is the Function App's own identity: the client assertion of `federated` tenants
 * and the reader of Key Vault secrets. Secrets are kept in memory only and never logged.
 */
export interface TenantCredentialOptions {
  readonly authorityHost: string;
  readonly certificatePath: string | undefined;
  /** Client id of a user-assigned managed identity; undefined: the system-assigned one. */
  readonly managedIdentityClientId: string | undefined;
  /** Tests inject the identity and the fetch that reads Key Vault. */
  readonly managedIdentity?: TokenCredential;
  readonly fetch?: typeof fetch;
}

/** The audience Entra expects of a managed identity token used as a federated client assertion. */
const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';
const KEY_VAULT_SCOPE = 'https://vault.azure.net/.default';

export function tenantCredential(
  tenantId: string,
  auth: TenantAuth,
  options: TenantCredentialOptions,
): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  // One managed identity per tenant credential, made when first needed: its token cache then serves
  // every federated assertion instead of a fresh credential per token request.
  let identityCredential: TokenCredential | undefined;
  const identity = (): TokenCredential =>
    (identityCredential ??= options.managedIdentity ?? managedIdentity(options));
  return {
    async getToken(scopes: string | string[], getTokenOptions?: GetTokenOptions): Promise<AccessToken> {
      credential ??= build(tenantId, auth, options, identity);
      // A failed build (no certificate, Key Vault refused) is tried again on the next request.
      credential.catch(() => (credential = undefined));
      return (await credential).getToken(scopes, getTokenOptions) as Promise<AccessToken>;
    },
  };
}

async function build(
  tenantId: string,
  auth: TenantAuth,
  options: TenantCredentialOptions,
  identity: () => TokenCredential,
): Promise<TokenCredential> {
  const sdk = await import('@azure/identity');
  const common = { authorityHost: options.authorityHost };
  switch (auth.kind) {
    case 'certificate':
      if (!options.certificatePath)
        throw new Error('tenant uses certificate auth but FLEET_CERTIFICATE_PATH is not set');
      return new sdk.ClientCertificateCredential(tenantId, auth.clientId, {
        certificatePath: options.certificatePath,
        ...common,
      });
    case 'federated':
      return new sdk.ClientAssertionCredential(
        tenantId,
        auth.clientId,
        async () => {
          const token = await identity().getToken(TOKEN_EXCHANGE_SCOPE);
          if (!token) throw new Error('the managed identity gave no token for the federated credential');
          return token.token;
        },
        common,
      );
    case 'keyVaultSecret': {
      const secret = await readKeyVaultSecret(auth.secretUri, identity(), options.fetch ?? fetch);
      return new sdk.ClientSecretCredential(tenantId, auth.clientId, secret, common);
    }
  }
}

function managedIdentity(options: TenantCredentialOptions): TokenCredential {
  let mi: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, getTokenOptions) {
      mi ??= import('@azure/identity').then(({ ManagedIdentityCredential }) =>
        options.managedIdentityClientId
          ? new ManagedIdentityCredential({ clientId: options.managedIdentityClientId })
          : new ManagedIdentityCredential(),
      );
      return (await mi).getToken(scopes, getTokenOptions);
    },
  };
}

const secretBundle = z.object({ value: z.string().min(1) });

/** Key Vault's REST "Get Secret" (no SDK: this is the one call the monitor makes to Key Vault). */
export async function readKeyVaultSecret(
  secretUri: string,
  identity: TokenCredential,
  fetchImpl: typeof fetch,
): Promise<string> {
  const token = await identity.getToken(KEY_VAULT_SCOPE);
  if (!token) throw new Error('the managed identity gave no token for Key Vault');
  const url = new URL(secretUri);
  url.searchParams.set('api-version', '7.4');
  const response = await fetchImpl(url, { headers: { authorization: `Bearer ${token.token}` } });
  if (!response.ok) {
    // The status and the vault, never the body (it could echo the request) nor the token.
    throw new Error(
      `Key Vault refused the tenant secret ${url.origin}${url.pathname} (HTTP ${response.status}): give the Function App's identity "Key Vault Secrets User" on it`,
    );
  }
  const body = secretBundle.safeParse(await response.json());
  if (!body.success) throw new Error(`Key Vault answered ${url.pathname} without a secret value`);
  return body.data.value;
}
