import { createHash } from 'node:crypto';
import { GraphRequestError } from './errors.js';

/**
 * Guards `@odata.nextLink` paging against a Graph (or a proxy, or a stand-in) that misbehaves:
 * - a link to another origin (scheme, host or port) is never followed: the bearer token would go there,
 *   and rows from a foreign host would be written as if Graph had sent them;
 * - a link seen before in the same listing, or a non-empty page identical to one already read, means the
 *   listing loops: following it would spin until the time budget ends with the watermark stuck.
 * Both end the listing with a GraphRequestError whose code names the fault, so the run is partial and the
 * monitor reports itself degraded instead of reporting success.
 */
export const FOREIGN_NEXT_LINK = 'NextLinkForeignOrigin';
export const NEXT_LINK_LOOP = 'NextLinkLoop';

/**
 * Graph may hand out an empty page with a link to more (the reporting API does while it searches), but
 * not this many in a row: past it, a listing whose links keep changing while it returns nothing loops too.
 */
export const MAX_EMPTY_PAGES_IN_A_ROW = 50;

export class PagingGuard {
  private emptyInARow = 0;
  private readonly links = new Set<string>();
  private readonly pageDigests = new Set<string>();

  constructor(private readonly origin: string) {}

  /**
   * Whether `next` would pass the link checks (same origin, not seen before), changing nothing: a link
   * read ahead of its page's parse (see GraphReader.parsedPages) is requested only if it would.
   */
  wouldFollow(next: string): boolean {
    try {
      const url = new URL(next, this.origin);
      return url.origin === this.origin && !this.links.has(url.href);
    } catch {
      return false;
    }
  }

  /** Why the listing must not follow `next` after `page`, or undefined; `path` only names the listing. */
  refusal(next: string, page: PageShape, path: string): GraphRequestError | undefined {
    try {
      this.check(next, page, path);
      return undefined;
    } catch (error) {
      if (error instanceof GraphRequestError) return error;
      throw error;
    }
  }

  private check(next: string, page: PageShape, path: string): void {
    const where = path.split('?')[0];
    let url: URL;
    try {
      url = new URL(next, this.origin);
    } catch {
      throw new GraphRequestError(
        `Graph answered ${where} with an invalid @odata.nextLink`,
        'invalidResponse',
        undefined,
        FOREIGN_NEXT_LINK,
      );
    }
    if (url.origin !== this.origin) {
      throw new GraphRequestError(
        `Graph answered ${where} with an @odata.nextLink to ${url.origin}, not ${this.origin}: not followed`,
        'invalidResponse',
        undefined,
        FOREIGN_NEXT_LINK,
      );
    }
    const link = url.href;
    if (this.links.has(link)) throw loop(where, 'links back to a page already read');
    this.links.add(link);
    this.emptyInARow = page.length === 0 ? this.emptyInARow + 1 : 0;
    if (this.emptyInARow >= MAX_EMPTY_PAGES_IN_A_ROW)
      throw loop(where, `led to ${this.emptyInARow} empty pages in a row`);
    if (page.length > 0) {
      const digest = createHash('sha1').update(`${page.length}:${page.sample}`).digest('base64');
      if (this.pageDigests.has(digest)) throw loop(where, 'repeats a page already read');
      this.pageDigests.add(digest);
    }
  }
}

/**
 * What identifies a page: its length and its first, middle and last items. Serialising the whole page
 * cost as much as a tenth of collection; a page served again repeats all of these, while two pages of
 * one listing never share them (its items are distinct records, and a page holds them in order). Taken
 * where the page is parsed, which may be another thread (see collect/provisioningPageParsers).
 */
export interface PageShape {
  readonly length: number;
  /** The first, middle and last items, as JSON. */
  readonly sample: string;
}

export function shapeOf(page: readonly unknown[]): PageShape {
  return {
    length: page.length,
    sample: JSON.stringify([page[0], page[page.length >> 1], page[page.length - 1]]),
  };
}

function loop(where: string | undefined, what: string): GraphRequestError {
  return new GraphRequestError(
    `Graph paging of ${where} loops: its @odata.nextLink ${what}; the listing was stopped`,
    'invalidResponse',
    undefined,
    NEXT_LINK_LOOP,
  );
}
