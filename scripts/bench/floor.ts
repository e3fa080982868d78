import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

/**
 * The floor of each sink: the work a minimal correct pipeline must do on the same pages, timed alone.
 * - ndjson: JSON.parse, a check of every field the table uses, JSON.stringify of each event, and one
 *   write per page, made durable (fdatasync) as the checkpoint that follows it requires;
 * - logs-ingestion: JSON.parse, JSON.stringify of each event, and gzip of request bodies up to 1 MB.
 * The bench fetches the pages first and hands them over as text: no network or paging is timed.
 */
export type FloorSink = 'ndjson' | 'logs-ingestion';

const MAX_REQUEST_BYTES = 1_000_000;

export function floorSeconds(sink: FloorSink, pages: readonly string[], file: string): number {
  const fd = openSync(file, 'a');
  try {
    const began = process.hrtime.bigint();
    let events = 0;
    for (const body of pages) {
      const page = JSON.parse(body) as { value: unknown[] };
      events += sink === 'ndjson' ? ndjsonPage(page.value, fd) : logsIngestionPage(page.value);
    }
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    if (events === 0) throw new Error('floor: no events');
    return seconds;
  } finally {
    closeSync(fd);
  }
}

function ndjsonPage(items: readonly unknown[], fd: number): number {
  let text = '';
  let valid = 0;
  for (const item of items) {
    if (!usedFieldsValid(item)) continue;
    text += `${JSON.stringify(item)}\n`;
    valid += 1;
  }
  writeSync(fd, text);
  fdatasyncSync(fd);
  return valid;
}

function logsIngestionPage(items: readonly unknown[]): number {
  let chunk: string[] = [];
  let bytes = 2;
  for (const item of items) {
    const json = JSON.stringify(item);
    if (chunk.length > 0 && bytes + json.length + 1 > MAX_REQUEST_BYTES) {
      gzipSync(`[${chunk.join(',')}]`);
      chunk = [];
      bytes = 2;
    }
    chunk.push(json);
    bytes += json.length + 1;
  }
  if (chunk.length > 0) gzipSync(`[${chunk.join(',')}]`);
  return items.length;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (v: unknown, type: 'string' | 'number') => v == null || typeof v === type;
const optionalObject = (v: unknown) => v == null || isObject(v);

/** The fields CloudSyncProvisioning_CL is made of, checked by hand: the least any validation costs. */
function usedFieldsValid(item: unknown): boolean {
  if (!isObject(item)) return false;
  if (typeof item.id !== 'string' || item.id === '') return false;
  if (typeof item.activityDateTime !== 'string' || Number.isNaN(Date.parse(item.activityDateTime)))
    return false;
  if (
    !optional(item.jobId, 'string') ||
    !optional(item.cycleId, 'string') ||
    !optional(item.changeId, 'string')
  )
    return false;
  if (!optional(item.provisioningAction, 'string') || !optional(item.durationInMilliseconds, 'number'))
    return false;
  const status = item.provisioningStatusInfo;
  if (!optionalObject(status)) return false;
  if (isObject(status)) {
    if (!optional(status.status, 'string')) return false;
    const error = status.errorInformation ?? status.errorInfo;
    if (!optionalObject(error)) return false;
    if (
      isObject(error) &&
      !(
        optional(error.errorCode, 'string') &&
        optional(error.reason, 'string') &&
        optional(error.recommendedAction, 'string')
      )
    )
      return false;
  }
  for (const key of ['sourceIdentity', 'targetIdentity', 'initiatedBy'] as const) {
    const identity = item[key];
    if (!optionalObject(identity)) return false;
    if (isObject(identity) && !(optional(identity.id, 'string') && optional(identity.displayName, 'string')))
      return false;
  }
  const sp = Array.isArray(item.servicePrincipal)
    ? (item.servicePrincipal as unknown[])[0]
    : item.servicePrincipal;
  if (!optionalObject(sp)) return false;
  for (const key of ['modifiedProperties', 'provisioningSteps'] as const) {
    const list = item[key];
    if (list == null) continue;
    if (!Array.isArray(list)) return false;
    for (const entry of list as unknown[]) if (!isObject(entry)) return false;
  }
  return true;
}
