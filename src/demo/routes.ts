import type { DemoObjectType } from './directoryDelta.js';
import type { Route } from './faults.js';

/**
 * Which Graph resource a request path names. Graph path segments are case-insensitive; the agents API
 * exists only in beta and is reachable both as onPremisesPublishingProfiles('provisioning') and as
 * onPremisesPublishingProfiles/provisioning.
 */
export type Version = 'v1.0' | 'beta';

export type MatchedRoute =
  | { readonly route: 'organization'; readonly version: Version }
  | { readonly route: 'servicePrincipals'; readonly version: Version }
  | {
      readonly route: 'jobs';
      readonly version: Version;
      readonly servicePrincipalId: string;
      readonly jobId?: string;
    }
  | { readonly route: 'provisioning'; readonly version: Version }
  | { readonly route: 'agents'; readonly version: 'beta' }
  | { readonly route: 'directoryDelta'; readonly version: Version; readonly type: DemoObjectType };

const PATTERNS: readonly [RegExp, (m: RegExpMatchArray, version: Version) => MatchedRoute | undefined][] = [
  [/^\/(v1\.0|beta)\/organization\/?$/i, (_m, version) => ({ route: 'organization', version })],
  [/^\/(v1\.0|beta)\/servicePrincipals\/?$/i, (_m, version) => ({ route: 'servicePrincipals', version })],
  [
    /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs(?:\/([^/]+))?\/?$/i,
    (m, version) => {
      const servicePrincipalId = m[2] ?? '';
      const jobId = m[3];
      return jobId === undefined
        ? { route: 'jobs', version, servicePrincipalId }
        : { route: 'jobs', version, servicePrincipalId, jobId };
    },
  ],
  [
    /^\/(v1\.0|beta)\/(users|groups|contacts)\/(?:microsoft\.graph\.)?delta(?:\(\))?\/?$/i,
    (m, version) => ({
      route: 'directoryDelta',
      version,
      type: ({ users: 'user', groups: 'group', contacts: 'contact' } as const)[
        (m[2] ?? '').toLowerCase() as 'users' | 'groups' | 'contacts'
      ],
    }),
  ],
  [/^\/(v1\.0|beta)\/auditLogs\/provisioning\/?$/i, (_m, version) => ({ route: 'provisioning', version })],
  [
    /^\/(v1\.0|beta)\/onPremisesPublishingProfiles(?:\('provisioning'\)|\/provisioning)\/agents\/?$/i,
    (_m, version) => (version === 'beta' ? { route: 'agents', version } : undefined),
  ],
];

export function matchRoute(pathname: string): MatchedRoute | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  for (const [pattern, build] of PATTERNS) {
    const match = decoded.match(pattern);
    if (match) {
      const version: Version = (match[1] ?? '').toLowerCase() === 'beta' ? 'beta' : 'v1.0';
      return build(match, version);
    }
  }
  return undefined;
}

export const ALL_ROUTES: readonly Route[] = [
  'provisioning',
  'jobs',
  'servicePrincipals',
  'agents',
  'organization',
  'directoryDelta',
];
