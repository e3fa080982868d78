/**
 * What choosing and opening the state store needs of the settings: declared beside the adapter so it
 * depends on nothing above it. src/config.ts maps the environment to it (Settings satisfies it).
 */

/** STATE_TABLE_CONNECTION_STRING or STATE_TABLE_ACCOUNT_URL (+ Azure Identity), and STATE_TABLE_NAME. */
export type StateTableSettings =
  | { readonly kind: 'connectionString'; readonly connectionString: string; readonly tableName: string }
  | {
      readonly kind: 'accountUrl';
      readonly accountUrl: string;
      readonly tableName: string;
      /** AZURE_CLIENT_ID: the user-assigned managed identity (none: the system-assigned one). */
      readonly managedIdentityClientId?: string | undefined;
    };

export interface StateSettings {
  /** DATA_DIR: without a state table the state lives in `<dataDir>/state`. */
  readonly dataDir: string;
  readonly stateTable: StateTableSettings | undefined;
}
