import type { EndpointContext } from './directoryEndpoints.js';
import type { ProvisioningPageResult } from './provisioningEndpoint.js';

/**
 * Renders the next provisioning page while the client is busy with the current one, as Graph's own
 * backend would be busy in parallel, so the demo tenant does not become the bottleneck of a benchmark
 * of the client. One page is kept; it is served only for the exact next link and only while the
 * scenario clock has moved on by no more than `maxAgeMs` (what is visible depends on the time).
 */
export class PageReadAhead {
  private ahead: { search: string; at: number; page: ProvisioningPageResult } | undefined;
  private timer: NodeJS.Immediate | undefined;

  constructor(
    private readonly render: (context: EndpointContext) => ProvisioningPageResult,
    private readonly now: () => Date,
    private readonly maxAgeMs = 2_000,
  ) {}

  /** The page rendered ahead for this query string, if it is still fresh. Consumes it. */
  take(search: string, nowMs: number): ProvisioningPageResult | undefined {
    const ahead = this.ahead;
    this.ahead = undefined;
    if (!ahead || ahead.search !== search) return undefined;
    const age = nowMs - ahead.at;
    return age >= 0 && age <= this.maxAgeMs ? ahead.page : undefined;
  }

  /** Schedules rendering of the page behind `nextLink` with the context of the current request. */
  prepare(nextLink: string, context: EndpointContext): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = setImmediate(() => {
      this.timer = undefined;
      const url = new URL(nextLink);
      const now = this.now();
      try {
        const page = this.render({ ...context, now, search: url.searchParams });
        this.ahead = { search: url.searchParams.toString(), at: now.getTime(), page };
      } catch {
        this.ahead = undefined; // the real request will render it and report the problem
      }
    });
  }

  close(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = undefined;
    this.ahead = undefined;
  }
}
