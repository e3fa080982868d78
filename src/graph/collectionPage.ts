import { z } from 'zod';
import { GraphRequestError, toGraphRequestError } from './errors.js';
import { shapeOf, type PageShape } from './pagingGuard.js';

/**
 * A page of a Graph collection read from its body. Kept apart from the Graph client (GraphReader) so that
 * a worker thread parsing pages (collect/provisioningPageWorker) loads only this, zod and the schemas.
 */
export interface GraphPage {
  /** The page's own array: a caller may drop items it is done with. */
  readonly value: unknown[];
  readonly nextLink: string | undefined;
}

export const collectionEnvelope = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
});

/** A collection page from its body; a body that is not one is an invalid response, as from the client. */
export function parsePage(body: string, path: string): GraphPage & { readonly shape: PageShape } {
  let json: unknown;
  try {
    // No body (a 204) is no collection, as it was when the client parsed it.
    json = body === '' ? undefined : JSON.parse(body);
  } catch (error) {
    throw toGraphRequestError(error, path);
  }
  const envelope = collectionEnvelope.safeParse(json);
  if (!envelope.success) throw notACollection(path, envelope.error);
  const { value } = envelope.data;
  return { value, nextLink: envelope.data['@odata.nextLink'], shape: shapeOf(value) };
}

export function notACollection(path: string, error: z.ZodError): GraphRequestError {
  return new GraphRequestError(
    `Graph answered ${path.split('?')[0]} without a collection: ${error.issues[0]?.message ?? ''}`,
    'invalidResponse',
    undefined,
    'NotACollection',
  );
}

/**
 * UTF-8 as TextDecoder decodes it (a leading BOM dropped). Not latin1 for ASCII, though that decodes
 * 2.5 times faster: Node makes a string over 1 MB decoded that way an external string, memory outside
 * V8's heap that made V8 run twice as many full collections over the same pages, costing more than it saved.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

const NEXT_LINK_KEY = Buffer.from('"@odata.nextLink":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The page's `@odata.nextLink` read straight from its bytes, before the page is parsed, so the next
 * request can go out while this page is still being parsed; undefined when it cannot be read safely so.
 * Only a hint: the parsed page's own link decides, and a hint that differs is thrown away. It cannot be
 * planted by directory data: inside a JSON string every quote is escaped, so the key with its
 * unescaped quotes and colon only occurs as a key. A link with an escape in it is left to the parse.
 */
export function nextLinkHint(body: Uint8Array): string | undefined {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const at = buffer.lastIndexOf(NEXT_LINK_KEY);
  if (at < 0) return undefined;
  const start = at + NEXT_LINK_KEY.length;
  const end = buffer.indexOf(QUOTE, start);
  if (end < 0) return undefined;
  if (buffer.subarray(start, end).includes(BACKSLASH)) return undefined;
  return buffer.toString('utf8', start, end);
}
