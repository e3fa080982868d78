import { z } from 'zod';
import type { JsonObject, OnPremisesAgent } from './graphTypes.js';
import {
  decodeSkipToken,
  encodeSkipToken,
  parseSelect,
  parseTop,
  project,
  QueryError,
  queryOptions,
} from './odataQuery.js';
import type { Version } from './routes.js';
import type { Scenario } from './scenario.js';
import { SERVICE_PRINCIPAL_PROPERTIES } from './servicePrincipals.js';
import { parseServicePrincipalFilter } from './servicePrincipalFilter.js';

/**
 * The directory side of the demo tenant: organization, service principals (paged, `$select`, a
 * `$filter` subset), synchronization jobs and the beta provisioning agents.
 */
export interface EndpointContext {
  readonly scenario: Scenario;
  readonly baseUrl: string;
  readonly version: Version;
  readonly now: Date;
  readonly search: URLSearchParams;
}

const DIRECTORY_ERROR = 'Request_BadRequest';
const JOB_PROPERTIES = ['id', 'templateId', 'schedule', 'status', 'synchronizationJobSettings'];
const AGENT_PROPERTIES = ['id', 'machineName', 'externalIp', 'status', 'supportedPublishingTypes'];

function metadata(context: EndpointContext, fragment: string): string {
  return `${context.baseUrl}/${context.version}/$metadata#${fragment}`;
}

function selectSuffix(select: readonly string[] | undefined): string {
  return select ? `(${select.join(',')})` : '';
}

export function organization(context: EndpointContext): JsonObject {
  const options = queryOptions(context.search, ['$select'], DIRECTORY_ERROR);
  const entity = context.scenario.organization();
  const select = parseSelect(options.get('$select'), Object.keys(entity), 'organization', DIRECTORY_ERROR);
  return {
    '@odata.context': metadata(context, `organization${selectSuffix(select)}`),
    value: [project(entity, select)],
  };
}

const servicePrincipalToken = z.object({
  v: z.literal(1),
  r: z.literal('servicePrincipals'),
  offset: z.number().int().min(0),
  size: z.number().int().min(1).max(999),
  select: z.array(z.string()).nullable(),
  filter: z.string().nullable(),
});

export function servicePrincipals(context: EndpointContext): JsonObject {
  const options = queryOptions(context.search, ['$select', '$top', '$filter', '$skiptoken'], DIRECTORY_ERROR);
  const token = options.get('$skiptoken');
  const state = token
    ? decodeSkipToken(token, servicePrincipalToken, DIRECTORY_ERROR)
    : {
        v: 1 as const,
        r: 'servicePrincipals' as const,
        offset: 0,
        size: parseTop(options.get('$top'), {
          defaultSize: 100,
          max: 999,
          overMax: 'reject',
          errorCode: DIRECTORY_ERROR,
        }),
        select:
          parseSelect(
            options.get('$select'),
            SERVICE_PRINCIPAL_PROPERTIES,
            'servicePrincipal',
            DIRECTORY_ERROR,
          ) ?? null,
        filter: options.get('$filter') ?? null,
      };
  const matches = state.filter ? parseServicePrincipalFilter(state.filter) : undefined;
  const all = context.scenario.servicePrincipals;
  const value: JsonObject[] = [];
  let skipped = 0;
  let more = false;
  // Without a filter the offset is a position; with one, it counts matches already served.
  for (let index = matches ? 0 : state.offset; index < all.count; index++) {
    const sp = all.at(index);
    if (matches) {
      if (!matches(sp)) continue;
      if (skipped < state.offset) {
        skipped++;
        continue;
      }
    }
    if (value.length === state.size) {
      more = true;
      break;
    }
    value.push(project(sp, state.select ?? undefined) as JsonObject);
  }
  const body: JsonObject = {
    '@odata.context': metadata(context, `servicePrincipals${selectSuffix(state.select ?? undefined)}`),
    value,
  };
  if (more) {
    const next = encodeSkipToken({ ...state, offset: state.offset + value.length });
    body['@odata.nextLink'] = `${context.baseUrl}/${context.version}/servicePrincipals?$skiptoken=${next}`;
  }
  return body;
}

export function synchronizationJobs(
  context: EndpointContext,
  servicePrincipalId: string,
  jobId?: string,
): JsonObject {
  const options = queryOptions(context.search, ['$select'], DIRECTORY_ERROR);
  const select = parseSelect(options.get('$select'), JOB_PROPERTIES, 'synchronizationJob', DIRECTORY_ERROR);
  const jobs = context.scenario.jobs(servicePrincipalId, context.now);
  if (!jobs) {
    throw new QueryError(
      'Request_ResourceNotFound',
      `Resource '${servicePrincipalId}' does not exist or one of its queried reference-property objects are not present.`,
      404,
    );
  }
  const path = `servicePrincipals('${servicePrincipalId}')/synchronization/jobs`;
  if (jobId === undefined) {
    return {
      '@odata.context': metadata(context, `${path}${selectSuffix(select)}`),
      value: jobs.map((job) => project(job, select) as JsonObject),
    };
  }
  const job = jobs.find((candidate) => candidate.id.toLowerCase() === jobId.toLowerCase());
  if (!job) throw new QueryError('Request_ResourceNotFound', `Resource '${jobId}' does not exist.`, 404);
  return { '@odata.context': metadata(context, `${path}/$entity`), ...(project(job, select) as JsonObject) };
}

export function provisioningAgents(context: EndpointContext): JsonObject {
  const options = queryOptions(context.search, ['$expand', '$select'], DIRECTORY_ERROR);
  const expand = options.get('$expand');
  if (expand !== undefined && expand.trim().toLowerCase() !== 'agentgroups') {
    throw new QueryError(
      DIRECTORY_ERROR,
      `Could not find a navigation property named '${expand}' on type 'microsoft.graph.onPremisesAgent'.`,
    );
  }
  const select = parseSelect(options.get('$select'), AGENT_PROPERTIES, 'onPremisesAgent', DIRECTORY_ERROR);
  const agents = context.scenario.agents(context.now).map((agent: OnPremisesAgent) => {
    // Navigation properties only appear when expanded.
    const { agentGroups, ...properties } = agent;
    const shaped = project(properties, select) as JsonObject;
    return expand ? { ...shaped, agentGroups } : shaped;
  });
  const suffix = `${selectSuffix(select)}${expand ? '(agentGroups())' : ''}`;
  return {
    '@odata.context': metadata(context, `onPremisesPublishingProfiles('provisioning')/agents${suffix}`),
    value: agents,
  };
}
