import { hardMatchBlock, type HardMatchBlock } from '../domain/errorCategory.js';

/**
 * What to do, per error code or category: the remedies Microsoft documents for Cloud Sync
 * (entra-docs cloud-sync/how-to-troubleshoot.md, reference-error-codes.md, how-to-accidental-deletes.md).
 * Short on purpose: the digest links the workbook and the portal for the rest.
 */

const BY_CODE: Readonly<Record<string, string>> = {
  azureactivedirectoryinvalidcredential:
    'The sync service account (ADToAADSyncServiceAccount) is invalid or was deleted: run Repair-AADCloudSyncToolsAccount on an agent host, then restart the job.',
  azureactivedirectoryexpiredcredentials:
    'The sync service account credentials expired: run Repair-AADCloudSyncToolsAccount on an agent host, then restart the job.',
  hybrididentityservicenoactiveagents:
    'No provisioning agent is listening: check the Microsoft Azure AD Connect Provisioning Agent service on the agent hosts and their outbound connectivity.',
  hybrididentityservicenoagentsassigned:
    'No agent is assigned to this configuration: assign an active agent in the portal.',
  hybrididentityserviceagentsignalingerror:
    'The agents cannot be signalled: check the agent hosts’ outbound connectivity (Service Bus endpoints) and restart the agent service.',
  azuredirectoryserviceserverbusy:
    'Entra ID was busy and the service retries by itself; open a support case if it lasts more than 24 hours.',
  timeout:
    'The agent did not answer in time: check the agent host’s load and connectivity to the domain controllers.',
};

const BY_CATEGORY: Readonly<Record<string, string>> = {
  DuplicateAttribute:
    'Another object already uses the value (UPN, proxyAddresses, mail): remove the duplicate value in AD or Entra ID; the next cycle retries.',
  DataMismatch:
    'Soft- or hard-match failed: check that the object is not already synchronised from another source (matching UPN or mail).',
  DataValidationFailure:
    'An attribute value is invalid (characters, format, required value): correct it in AD.',
  LargeAttribute:
    'An attribute exceeds its size limit (for example userCertificate or thumbnailPhoto): trim it in AD.',
  FederatedDomainChange:
    'The UPN moved between federated domains: change it through an intermediate managed domain, or update it in Entra ID first.',
  Other: 'See the error description in the provisioning logs for the object.',
};

export const codeHint = (code: string | null | undefined): string | undefined =>
  code ? BY_CODE[code.toLowerCase()] : undefined;

export const categoryHint = (category: string): string => BY_CATEGORY[category] ?? BY_CATEGORY.Other!;

const BY_HARD_MATCH_BLOCK: Readonly<Record<HardMatchBlock, string>> = {
  'security-hardening':
    'Hard match blocked by the 2026 security hardening (onPremisesObjectIdentifier already set, or a privileged role): verify the remapping in the audit logs, then clear onPremisesObjectIdentifier with Graph (PATCH /beta/users/{id}).',
  'admin-role-conflict':
    'Existing admin role conflict: sync may not take over a cloud user with an Entra admin role; remove the role, let the next cycle match, assign it again.',
};

/** A code (and its error text) that is one of the 2026 hard-match blocks: their hint, else undefined. */
export const hardMatchHint = (
  code: string | null | undefined,
  description?: string | null,
): string | undefined => {
  const block = hardMatchBlock(code, description);
  return block ? BY_HARD_MATCH_BLOCK[block] : undefined;
};

export const DELETION_ACTION_OPEN =
  'Review the StagedDelete entries in the provisioning logs. If the deletions are intended, allow them (portal: Allow deletes; ' +
  'Graph: restart the job with resetScope ForceDeletes). If not, fix the scope (OUs, group filter) and restart sync.';

export const DELETION_ACTION_RESOLVED =
  'Confirm the deletions were intended: review the Delete events of this configuration.';

export const QUARANTINE_ACTION =
  'Fix the cause, then restart the job (portal: Restart sync) to leave quarantine.';

export const INITIAL_SYNC_PAUSED_ACTION =
  'Find the failed objects in the provisioning logs (Status = Failure; the job’s own error list was cleared), fix them in AD, then start the job again (portal: Restart sync).';

export const AGENT_ACTION =
  'Check the agent host: the Microsoft Azure AD Connect Provisioning Agent service, and outbound HTTPS to Entra ID.';

export const GAP_ACTION =
  'Check the monitor itself: the collect function’s runs and errors (Application Insights) and its Graph permissions.';
