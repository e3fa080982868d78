import type { TokenCredential } from '@azure/identity';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { CredentialsError, describeCredentialFailure } from './credentialFailure.js';

/** Graph's token scope for a base URL: public cloud, sovereign clouds and stand-ins alike. */
export function graphScope(baseUrl: string): string {
  const url = new URL(baseUrl);
  const known =
    /(^|\.)graph\.microsoft\.(com|us)$|^microsoftgraph\.chinacloudapi\.cn$|^dod-graph\.microsoft\.us$/i;
  return known.test(url.hostname) ? `${url.origin}/.default` : 'https://graph.microsoft.com/.default';
}

/** A static bearer token (GRAPH_ACCESS_TOKEN), e.g. from `az account get-access-token --resource-type ms-graph`. */
export function staticTokenProvider(token: string): AuthenticationProvider {
  return { getAccessToken: () => Promise.resolve(token) };
}

/** Azure Identity (managed identity in Azure, developer credentials locally). */
export function credentialProvider(credential: TokenCredential, scope: string): AuthenticationProvider {
  return {
    getAccessToken: async () => {
      let token;
      try {
        token = await credential.getToken(scope);
      } catch (error) {
        throw new CredentialsError(describeCredentialFailure(error, 'Microsoft Graph'), { cause: error });
      }
      if (!token) throw new Error(`no token for ${scope} from the Azure credential`);
      return token.token;
    },
  };
}

/**
 * The tenant id (`tid` claim) inside a JWT access token, read without verification: it only labels
 * records, Graph itself checks the token.
 */
export function tenantIdFromToken(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof claims === 'object' && claims !== null && 'tid' in claims && typeof claims.tid === 'string') {
      return /^[0-9a-f-]{36}$/i.test(claims.tid) ? claims.tid.toLowerCase() : undefined;
    }
  } catch {
    // not a JWT: fine, the tenant comes from elsewhere
  }
  return undefined;
}
