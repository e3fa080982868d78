/**
 * What the Microsoft Graph reader needs of the settings (Settings['graph']): declared beside the adapter
 * so it depends on nothing above it. src/config.ts maps the environment to it.
 */
export interface GraphSettings {
  /** GRAPH_BASE_URL, else the AZURE_CLOUD's Graph root. */
  readonly baseUrl: string;
  /** GRAPH_ACCESS_TOKEN: a static token; without it Azure Identity gets one. */
  readonly accessToken: string | undefined;
  /** AZURE_CLIENT_ID: the user-assigned managed identity (none: the system-assigned one). */
  readonly managedIdentityClientId: string | undefined;
  readonly reportsRequestsPerWindow: number;
  readonly reportsWindowMs: number;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
}
