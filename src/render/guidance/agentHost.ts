import type { Step } from '../view.js';

/**
 * What to check on a provisioning agent host (how-to-troubleshoot.md): the two Windows services, the
 * outbound connectivity the agent needs, and where its trace logs are. `machine` names the host when
 * known, so the reader knows where to log on.
 */
export const AGENT_SERVICES = ['Microsoft Entra Provisioning Agent', 'Microsoft Entra Connect Agent Updater'];
/**
 * The Windows service names: unlike the display names (older agents show "Microsoft Azure AD Connect ...",
 * agent-heartbeat/README.md), they never changed, so commands select the services by name.
 */
export const AGENT_SERVICE_NAMES = ['AADConnectProvisioningAgent', 'AzureADConnectAgentUpdater'];

export function agentHostSteps(machine: string | undefined): Step[] {
  const where = machine ? `On ${machine}` : 'On each agent host';
  return [
    {
      text: `${where}: check that the Windows services "${AGENT_SERVICES[0]}" and "${AGENT_SERVICES[1]}" are running (service names ${AGENT_SERVICE_NAMES[0]} and ${AGENT_SERVICE_NAMES[1]} on every agent version; older agents display "Microsoft Azure AD Connect" names); start them if not:`,
      language: 'powershell',
      code: `Get-Service -Name ${AGENT_SERVICE_NAMES[0]}, ${AGENT_SERVICE_NAMES[1]}\nStart-Service -Name ${AGENT_SERVICE_NAMES[0]}`,
    },
    {
      text: 'Check that the host is up, its clock is right, and outbound HTTPS (443) to *.msappproxy.net and *.servicebus.windows.net is allowed through firewall and proxy.',
    },
    {
      text: 'Read the newest agent trace logs (C:\\ProgramData\\Microsoft\\Azure AD Connect Provisioning Agent\\Trace), or collect everything for a support case (AADCloudSyncTools):',
      language: 'powershell',
      code: "Get-ChildItem -LiteralPath 'C:\\ProgramData\\Microsoft\\Azure AD Connect Provisioning Agent\\Trace' | Sort-Object LastWriteTime | Select-Object -Last 3\nExport-AADCloudSyncToolsLogs",
    },
    {
      text: 'Entra admin center > Entra Connect > Cloud sync > Agents shows which agents are active.',
    },
  ];
}
