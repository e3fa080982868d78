import type { EndpointContext } from './directoryEndpoints.js';
import { guidFrom } from './ids.js';
import type { Json, JsonObject } from './graphTypes.js';
import { queryOptions } from './odataQuery.js';
import { pageProvisioning } from './provisioningPager.js';
import {
  parseProvisioningQuery,
  PROVISIONING_QUERY_OPTIONS,
  provisioningSkipToken,
} from './provisioningQuery.js';

/**
 * `GET /auditLogs/provisioning`: one page of provisioningObjectSummary, with an absolute
 * `@odata.nextLink` (the Graph client only follows https:// links) whose skiptoken carries the query
 * and the cursor.
 */
export interface ProvisioningPageResult {
  readonly body: JsonObject;
  readonly served: number;
}

/** A record with an invalid shape, as the malformedRecord fault inserts it: no id, a bad date. */
function malformedRecord(tenantId: string, sample: Json | undefined): JsonObject {
  const jobId = sample && typeof sample === 'object' && !Array.isArray(sample) ? (sample.jobId ?? '') : '';
  return {
    activityDateTime: 'not-a-date',
    tenantId,
    jobId,
    cycleId: guidFrom('malformed', 'cycle'),
    changeId: guidFrom('malformed', 'change'),
    provisioningAction: 'update',
    durationInMilliseconds: 'slow',
    provisioningStatusInfo: 'success',
    provisioningSteps: null,
    servicePrincipal: null,
  };
}

export function provisioningPage(
  context: EndpointContext,
  maxPageSize: number,
  takeMalformedRecord: () => boolean,
): ProvisioningPageResult {
  const query = parseProvisioningQuery(
    queryOptions(context.search, PROVISIONING_QUERY_OPTIONS, 'BadRequest'),
    maxPageSize,
  );
  const log = context.scenario.provisioning;
  const page = pageProvisioning(log, query, context.now.getTime());
  const value: Json[] = page.indexes.map((index) => log.eventAt(index));
  const served = value.length;
  if (takeMalformedRecord()) {
    value.splice(Math.floor(value.length / 2), 0, malformedRecord(context.scenario.tenantId, value[0]));
  }
  const body: JsonObject = {
    '@odata.context': `${context.baseUrl}/${context.version}/$metadata#auditLogs/provisioning`,
    value,
  };
  if (page.next) {
    body['@odata.nextLink'] =
      `${context.baseUrl}/${context.version}/auditLogs/provisioning?$skiptoken=${provisioningSkipToken(query, page.next)}`;
  }
  return { body, served };
}
