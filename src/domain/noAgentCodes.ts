/**
 * Job error codes that mean "the service reached no provisioning agent for this configuration"
 * (design section 3): sync of the configuration has stopped. With the app-only identity these codes
 * are the monitor's main evidence of agent trouble.
 */
export const NO_AGENT_CODES: readonly string[] = [
  'HybridIdentityServiceNoActiveAgents',
  'HybridIdentityServiceNoAgentsAssigned',
  'HybridIdentityServiceAgentSignalingError',
];

/** The code in its documented spelling when it is a no-agent code (Graph's casing varies). */
export const noAgentCode = (code: string | null | undefined): string | undefined =>
  code ? NO_AGENT_CODES.find((c) => c.toLowerCase() === code.toLowerCase()) : undefined;

export const isNoAgentCode = (code: string | null | undefined): boolean => noAgentCode(code) !== undefined;
