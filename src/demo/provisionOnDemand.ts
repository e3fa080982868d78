import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendGraphError, sendJson, type ResponseContext } from './graphResponse.js';
import { retryAfterSeconds, SlidingWindowLimiter } from './rateLimiter.js';

/**
 * `POST /servicePrincipals/{id}/synchronization/jobs/{jobId}/provisionOnDemand` of the demo tenant,
 * shaped as the Graph docs show for Cloud Sync (synchronization-synchronizationjob-provisionondemand,
 * example 2): a stringKeyStringValuePair whose `key` is JSON `{result, details}` and whose `value` is JSON
 * with `provisioningSteps`. Limited to 5 requests per 10 s on the scenario clock, as documented; tests
 * choose whether the agent path works.
 */
export const ON_DEMAND_PATH =
  /^\/(v1\.0|beta)\/servicePrincipals\/([^/]+)\/synchronization\/jobs\/([^/]+)\/provisionOnDemand\/?$/i;

export interface OnDemandRequest {
  readonly at: number;
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly body: unknown;
}

export class DemoOnDemand {
  /**
   * 'agentFailure': the agent cannot be reached, the import step fails (HybridIdentityServiceAgentSignalingError).
   * 'exportFailure': AD was read, but the export to Entra ID fails (the cloud side of the path is stuck).
   */
  behaviour: 'success' | 'agentFailure' | 'exportFailure' = 'success';
  /** Milliseconds the scenario clock moves while the service provisions (the round trip). */
  latencyMs = 4_000;
  readonly requests: OnDemandRequest[] = [];
  /** 429s sent (rate limit and forced). */
  throttled = 0;
  private forced = 0;
  private readonly limiter = new SlidingWindowLimiter({ requests: 5, windowMs: 10_000 });

  /** The next `count` requests are answered 429 whatever the limiter says. */
  throttleNext(count: number): void {
    this.forced += count;
  }

  handle(
    request: IncomingMessage,
    response: ServerResponse,
    match: RegExpMatchArray,
    meta: ResponseContext,
    clock: { now(): Date; advance?: (ms: number) => void },
  ): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const now = clock.now().getTime();
      const admission =
        this.forced > 0 ? { admitted: false as const, retryAfterMs: 2_000 } : this.limiter.tryAdmit(now);
      if (!admission.admitted) {
        if (this.forced > 0) this.forced--;
        this.throttled++;
        sendGraphError(response, 429, 'TooManyRequests', 'Too many requests.', meta, {
          headers: { 'retry-after': String(retryAfterSeconds(admission.retryAfterMs)) },
        });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        sendGraphError(response, 400, 'BadRequest', 'The request body is not valid JSON.', meta);
        return;
      }
      const servicePrincipalId = decodeURIComponent(match[2] ?? '');
      const jobId = decodeURIComponent(match[3] ?? '');
      this.requests.push({ at: now, servicePrincipalId, jobId, body });
      const subject = (body as { parameters?: { subjects?: { objectId?: string }[] }[] }).parameters?.[0]
        ?.subjects?.[0]?.objectId;
      if (!subject) {
        sendGraphError(response, 400, 'BadRequest', 'parameters[0].subjects[0].objectId is required.', meta);
        return;
      }
      clock.advance?.(this.latencyMs);
      const at = new Date(now).toISOString();
      const ok = this.behaviour === 'success';
      const exportFails = this.behaviour === 'exportFailure';
      const imported = ok || exportFails;
      const steps = [
        {
          name: 'EntryImportAdd',
          type: 'Import',
          status: imported ? 'Success' : 'Failure',
          description: imported
            ? `Received user change of type (Update) from Active Directory for '${subject}'`
            : 'The provisioning agent could not be reached to read the object from Active Directory.',
          timestamp: at,
          details: {},
        },
        ...(imported
          ? [
              {
                name: 'EntrySynchronizationScoping',
                type: 'Scoping',
                status: 'Success',
                description: 'Determine if user in scope by evaluating against each scoping filter',
                timestamp: at,
                details: {},
              },
              {
                name: 'EntryExportUpdate',
                type: 'Export',
                status: ok ? 'Success' : 'Failure',
                description: ok
                  ? 'User was updated in Microsoft Entra ID'
                  : 'The export to Microsoft Entra ID timed out.',
                timestamp: at,
                details: {},
              },
            ]
          : []),
      ];
      const key = ok
        ? { result: 'Success', details: {} }
        : exportFails
          ? {
              result: 'Failure',
              details: {
                errorCode: 'ExportTimeout',
                errorMessage: 'The export to Microsoft Entra ID timed out.',
              },
            }
          : {
              result: 'Failure',
              details: {
                errorCode: 'HybridIdentityServiceAgentSignalingError',
                errorMessage: 'The agent did not answer: check that the provisioning agent is running.',
              },
            };
      sendJson(
        response,
        200,
        {
          '@odata.context':
            'https://syncfabric.windowsazure.com/api/$metadata#microsoft.synchronization.stringKeyStringValuePair',
          key: JSON.stringify(key),
          value: JSON.stringify({ provisioningSteps: steps }),
        },
        meta,
      );
    });
  }
}
