/**
 * Azure Identity failures in words. Without any credential, DefaultAzureCredential throws one error
 * holding a line per credential it tried (environment, managed identity, VS Code, Azure CLI,
 * PowerShell, azd): seven lines that never say which variables to set. This says it in one.
 */

export const CREDENTIALS_FIX =
  'set GRAPH_ACCESS_TOKEN (e.g. az account get-access-token --resource-type ms-graph --query accessToken -o tsv), ' +
  'or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for an app registration; ' +
  'in Azure the managed identity is used (AZURE_CLIENT_ID selects a user-assigned one)';

const MESSAGE_MAX = 300;

export class CredentialsError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function nameOf(error: unknown): string {
  return isRecord(error) && typeof error.name === 'string' ? error.name : '';
}

function firstLine(error: unknown): string {
  const message = isRecord(error) && typeof error.message === 'string' ? error.message : String(error);
  const line = message.split('\n')[0]?.trim() ?? '';
  return line.length > MESSAGE_MAX ? `${line.slice(0, MESSAGE_MAX)}...` : line;
}

/** True when no credential was even available (as opposed to one that was refused). */
export function isMissingCredentials(error: unknown): boolean {
  const name = nameOf(error);
  if (name === 'CredentialUnavailableError') return true;
  if (name !== 'AggregateAuthenticationError') return false;
  const errors = isRecord(error) && Array.isArray(error.errors) ? (error.errors as unknown[]) : [];
  return errors.every((e) => nameOf(e) === 'CredentialUnavailableError');
}

/** One sentence naming what to set, for a failure of `credential.getToken(...)`. */
export function describeCredentialFailure(error: unknown, resource: string): string {
  if (isMissingCredentials(error)) return `no credentials for ${resource}: ${CREDENTIALS_FIX}`;
  // A credential that was found but refused (wrong secret, unknown tenant): its own first line says why.
  const errors = isRecord(error) && Array.isArray(error.errors) ? (error.errors as unknown[]) : [];
  const refused = errors.find((e) => nameOf(e) !== 'CredentialUnavailableError') ?? error;
  return `Azure Identity could not get a token for ${resource}: ${firstLine(refused)} (check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or set GRAPH_ACCESS_TOKEN)`;
}
