import type { Step } from '../view.js';

/**
 * What each quarantine reason (synchronizationQuarantine.reason) means and what to do
 * (application-provisioning-quarantine-status.md). Unknown reasons are tolerated: they get the generic
 * advice. TooManyDeletes has its own alert kind (deletion-threshold) with its own guidance.
 */
export interface ReasonGuidance {
  readonly meaning: string;
  readonly steps: readonly Step[];
}

const escrowSteps: Step[] = [
  {
    text: 'Find the errors that dominate: Entra admin center > Monitoring > Provisioning logs, filter Status = Failure for this configuration (or query CloudSyncProvisioning_CL, below).',
  },
  {
    text: 'Fix the top error codes in Active Directory (duplicate values, invalid attributes), then Restart sync to leave quarantine.',
  },
];

const GUIDANCE: Readonly<Record<string, ReasonGuidance>> = {
  encounteredquarantineexception: {
    meaning:
      'The service could not run the job at all: usually invalid credentials or no connection to the agent or directory. The error code says which.',
    steps: [],
  },
  encounteredbaseescrowthreshold: {
    meaning: 'Too many objects failed to provision (the base failure threshold was reached).',
    steps: escrowSteps,
  },
  encounteredtotalescrowthreshold: {
    meaning: 'Too many objects failed to provision (more than the total failure threshold, about 40,000).',
    steps: escrowSteps,
  },
  encounteredescrowproportionthreshold: {
    meaning: 'More than 40% of the provisioning events failed.',
    steps: escrowSteps,
  },
  quarantinedondemand: {
    meaning: 'The job was put in quarantine on purpose (by an administrator or by Microsoft).',
    steps: [
      {
        text: 'Check the Entra audit log (activity "Quarantine") for who did it and why; restart sync when the reason is gone.',
      },
    ],
  },
  ingestioninterrupted: {
    meaning: 'Ingestion of changes was interrupted.',
    steps: [
      { text: 'Restart sync. If it comes back, collect the agent logs and open a Microsoft support case.' },
    ],
  },
  toomanydeletes: {
    meaning: 'The accidental-deletion threshold was exceeded: deletions are held until someone decides.',
    steps: [],
  },
};

export function quarantineGuidance(reason: string | null | undefined): ReasonGuidance {
  // Microsoft's own docs also spell it QuarantineOnDemand.
  const key = (reason ?? '').toLowerCase().replace(/^quarantineondemand$/, 'quarantinedondemand');
  return (
    GUIDANCE[key] ?? {
      meaning:
        'The service stopped running the job normally. The error code and the troubleshooting link say more.',
      steps: [],
    }
  );
}

/** How quarantine behaves and how to leave it, for every quarantine alert. */
export const quarantineMechanics =
  'While quarantined, sync runs only at reduced frequency (retries after about 6 h, 12 h, then daily), and the job is disabled after about four weeks in quarantine.';

export const restartStep: Step = {
  text: 'When the cause is fixed: Entra admin center > Entra Connect > Cloud sync > the configuration > Restart sync (this clears the quarantine). This monitor only reads; it never restarts jobs.',
};
