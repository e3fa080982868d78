import type { Step } from '../view.js';
import { agentHostSteps } from './agentHost.js';

/**
 * What a job-level error code means and what fixes it, for the documented Cloud Sync codes
 * (MicrosoftDocs/entra-docs hybrid/cloud-sync/reference-error-codes.md and how-to-troubleshoot.md).
 * Codes are matched case-insensitively; an unknown code gets no specific guidance (the caller adds the
 * generic steps and the troubleshooting link).
 */
export interface ErrorGuidance {
  readonly meaning: string;
  readonly steps: readonly Step[];
}

const repairAccount: Step = {
  text: 'On an agent host, as a Hybrid Identity Administrator, repair the cloud sync service account, then restart sync (Entra admin center > the configuration > Restart sync):',
  language: 'powershell',
  code: 'Import-Module "C:\\Program Files\\Microsoft Azure AD Connect Provisioning Agent\\Utility\\AADCloudSyncTools"\nInstall-AADCloudSyncToolsPrerequisites   # first time only\nRepair-AADCloudSyncToolsAccount',
};

const GUIDANCE: Readonly<Record<string, ErrorGuidance>> = {
  hybrididentityservicenoactiveagents: {
    meaning:
      'No provisioning agent is listening for this configuration: the agent service is stopped, the host is down, or a firewall or proxy blocks its outbound connection to Azure Service Bus.',
    steps: agentHostSteps(undefined),
  },
  hybrididentityservicenoagentsassigned: {
    meaning:
      'No provisioning agent is assigned to this configuration: the agents were uninstalled or removed from its agent group.',
    steps: [
      {
        text: 'Entra admin center > Entra Connect > Cloud sync > Agents: check which agents exist and are active.',
      },
      {
        text: 'Install the provisioning agent on a domain-joined Windows server of this domain (two or more for high availability), or assign an existing agent to the configuration.',
      },
    ],
  },
  hybrididentityserviceagentsignalingerror: {
    meaning: 'The service could not signal the agent through Azure Service Bus.',
    steps: [
      {
        text: 'Restart the "Microsoft Entra Provisioning Agent" service on the agent host(s):',
        language: 'powershell',
        code: 'Restart-Service -Name AADConnectProvisioningAgent',
      },
      {
        text: 'Check outbound HTTPS (443) from the agent host to *.servicebus.windows.net and *.msappproxy.net, including any proxy.',
      },
    ],
  },
  hybrididentityserviceinvalidresource: {
    meaning: 'The agent could not find the Active Directory resource (domain) the configuration points to.',
    steps: [
      {
        text: 'Check the domain of the configuration and that the agent host can reach its domain controllers.',
      },
      { text: 'Review the agent trace logs on the host (see below).' },
    ],
  },
  timeout: {
    meaning: 'The request to the agent timed out (10 minutes). Often transient.',
    steps: [
      {
        text: 'If it repeats: check the agent host load and its connectivity to the domain controllers, and restart the "Microsoft Entra Provisioning Agent" service.',
      },
    ],
  },
  hybridsynchronizationactivedirectoryinternalservererror: {
    meaning: 'The agent hit an error while talking to Active Directory.',
    steps: [
      {
        text: "Check that the agent host reaches a domain controller and that the agent's gMSA account still has its permissions in AD.",
      },
      {
        text: 'Collect the agent logs for details:',
        language: 'powershell',
        code: 'Export-AADCloudSyncToolsLogs',
      },
    ],
  },
  azuredirectoryserviceserverbusy: {
    meaning: 'Microsoft Entra ID is busy (error 81). The service retries automatically.',
    steps: [{ text: 'No action unless it lasts more than 24 hours; then open a Microsoft support case.' }],
  },
  azureactivedirectoryinvalidcredential: {
    meaning:
      'The cloud sync service account (ADToAADSyncServiceAccount) is missing or its credentials are invalid: nothing is exported to Entra ID.',
    steps: [repairAccount],
  },
  azureactivedirectoryexpiredcredentials: {
    meaning: 'The credentials of the cloud sync service account have expired.',
    steps: [repairAccount],
  },
  azureactivedirectoryauthenticationfailed: {
    meaning: 'Cloud sync could not authenticate to Microsoft Entra ID.',
    steps: [
      repairAccount,
      { text: 'Check that no Conditional Access policy blocks the ADToAADSyncServiceAccount.' },
    ],
  },
};

export function jobErrorGuidance(code: string | null | undefined): ErrorGuidance | undefined {
  return code ? GUIDANCE[code.toLowerCase()] : undefined;
}
