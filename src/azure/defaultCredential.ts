import type { DefaultAzureCredentialClientIdOptions, TokenCredential } from '@azure/identity';

/**
 * DefaultAzureCredential, with @azure/identity loaded at the first token request instead of at start-up:
 * it is the heaviest module of the app (a third of a function file's load time), and a run with a static
 * Graph token, NDJSON files and a local state store never asks for a token.
 */
export function defaultAzureCredential(options: DefaultAzureCredentialClientIdOptions = {}): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, getTokenOptions) {
      credential ??= import('@azure/identity').then(
        ({ DefaultAzureCredential }) => new DefaultAzureCredential(options),
      );
      return (await credential).getToken(scopes, getTokenOptions);
    },
  };
}
