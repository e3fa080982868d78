import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxChannel } from '../../src/notify/outbox.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import type { AgentRecord, ProvisioningRecord } from '../../src/tables/definitions.js';
import { message } from '../notify/helpers.js';

/** Issue 14, local retention: NDJSON tables rotate per day, the outbox is pruned, both after LOCAL_RETENTION_DAYS. */
const DAY = 86_400_000;
const TODAY = Date.parse('2026-12-01T09:00:00Z');
const TABLE = 'CloudSyncAgent_CL';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'local-retention-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** heldSince looks for EventId: the crash-recovery cases write provisioning rows. */
const EVENTS = 'CloudSyncProvisioning_CL';
const event = (id: string): ProvisioningRecord =>
  ({
    TimeGenerated: '2026-11-23T07:00:00.000Z',
    AADTenantId: 't',
    EventId: id,
  }) as unknown as ProvisioningRecord;

const agent = (id: string): AgentRecord =>
  ({
    TimeGenerated: '2026-11-23T07:00:00.000Z',
    AADTenantId: 't',
    AgentId: id,
    MachineName: `SYNC-${id}`,
    Status: 'active',
    AgentGroups: [],
    Source: 'graph',
  }) as unknown as AgentRecord;

const sinkAt = (now: number, retentionDays?: number) =>
  new NdjsonSink(dir, { now: () => now, ...(retentionDays ? { retentionDays } : {}) });
const active = (table: string = TABLE) => path.join(dir, 'tables', `${table}.ndjson`);
const dated = (day: string) => path.join(dir, 'tables', TABLE, `${day}.ndjson`);
const ids = async (file: string) =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const row = JSON.parse(line) as { AgentId?: string; EventId?: string };
      return row.AgentId ?? row.EventId;
    });
/** Makes the active file look last written at `ms`. */
const lastWritten = (file: string, ms: number) => utimes(file, new Date(ms), new Date(ms));

describe('NDJSON rotation', () => {
  it('keeps tables/<Table>.ndjson as the file of today and moves an earlier day to tables/<Table>/<day>.ndjson', async () => {
    const yesterday = sinkAt(TODAY - DAY);
    await yesterday.write(TABLE, [agent('a1'), agent('a2')]);
    await yesterday.close();
    await lastWritten(active(), TODAY - DAY);

    const today = sinkAt(TODAY);
    await today.write(TABLE, [agent('b1')]);
    await today.close();

    expect(await ids(active())).toEqual(['b1']);
    expect(await ids(dated('2026-11-30'))).toEqual(['a1', 'a2']);
  });

  it('does not rotate a file last written today, and keeps one file through a sink’s writes', async () => {
    const sink = sinkAt(TODAY);
    await sink.write(TABLE, [agent('a1')]);
    await sink.write(TABLE, [agent('a2')]);
    await sink.close();
    await new NdjsonSink(dir, { now: () => TODAY + 3600_000 }).write(TABLE, [agent('a3')]);
    expect(await ids(active())).toEqual(['a1', 'a2', 'a3']);
    expect(await readdir(path.join(dir, 'tables'))).toEqual([`${TABLE}.ndjson`]);
  });

  it('deletes dated files past the retention (default 14 days), keeps the rest', async () => {
    await mkdir(path.join(dir, 'tables', TABLE), { recursive: true });
    for (const day of ['2026-11-10', '2026-11-16', '2026-11-17', '2026-11-30'])
      await writeFile(dated(day), '{"AgentId":"old"}\n');
    await sinkAt(TODAY).write(TABLE, [agent('a1')]);
    expect((await readdir(path.join(dir, 'tables', TABLE))).sort()).toEqual([
      '2026-11-17.ndjson',
      '2026-11-30.ndjson',
    ]);

    // File times are real: date the active file by the injected clock, or this test would depend on the
    // real day it runs on.
    await lastWritten(active(TABLE), TODAY);
    await sinkAt(TODAY + DAY, 3).write(TABLE, [agent('a2')]);
    // LOCAL_RETENTION_DAYS=3 on 2 December keeps 29 November onwards; the file last written on 1 December
    // is rotated out as its day.
    expect((await readdir(path.join(dir, 'tables', TABLE))).sort()).toEqual([
      '2026-11-30.ndjson',
      '2026-12-01.ndjson',
    ]);
  });

  it('finds what a crashed run wrote after its position even when the file was rotated since', async () => {
    const crashed = sinkAt(TODAY - DAY);
    await crashed.write(EVENTS, [event('before')]);
    const position = await crashed.position(EVENTS);
    await crashed.write(EVENTS, [event('p1'), event('p2')]);
    await crashed.close();
    await lastWritten(active(EVENTS), TODAY - DAY);
    // The next day a write to the table rotates it before the collector asks what the crashed run wrote.
    await sinkAt(TODAY).write(EVENTS, [event('later')]);

    const held = await sinkAt(TODAY).heldSince(EVENTS, position, new Set(['p1', 'p2', 'before', 'later']));
    expect([...held].sort()).toEqual(['p1', 'p2']);
  });

  it('does not rotate between a position and the write it precedes', async () => {
    let now = TODAY - DAY;
    const sink = new NdjsonSink(dir, { now: () => now, idleCloseMs: 1 });
    await sink.write(EVENTS, [event('a1')]);
    await lastWritten(active(EVENTS), TODAY - DAY);
    const position = await sink.position(EVENTS);
    now = TODAY;
    await new Promise((resolve) => setTimeout(resolve, 20)); // the idle timer closed the file
    await sink.write(EVENTS, [event('p1')]);
    await sink.close();

    expect(await ids(active(EVENTS))).toEqual(['a1', 'p1']);
    expect([...(await sinkAt(TODAY).heldSince(EVENTS, position, new Set(['a1', 'p1'])))]).toEqual(['p1']);
  });

  it('reads a plain number (a position from before rotation existed) in the active file', async () => {
    const sink = sinkAt(TODAY);
    await sink.write(EVENTS, [event('a1')]);
    const { size } = await import('node:fs/promises').then((fs) => fs.stat(active(EVENTS)));
    await sink.write(EVENTS, [event('a2')]);
    expect([...(await sink.heldSince(EVENTS, size, new Set(['a1', 'a2'])))]).toEqual(['a2']);
    await sink.close();
  });
});

describe('outbox pruning', () => {
  it('deletes outbox files last written before the retention at the first send, keeps the others', async () => {
    const outbox = path.join(dir, 'outbox');
    await mkdir(outbox, { recursive: true });
    for (const [name, age] of [
      ['old.json', 15 * DAY],
      ['recent.json', 13 * DAY],
      ['notes.txt', 30 * DAY],
    ] as const) {
      await writeFile(path.join(outbox, name), '{}');
      await lastWritten(path.join(outbox, name), TODAY - age);
    }
    const channel = createOutboxChannel('teams', { dataDir: dir, payloadFor: () => ({}), now: () => TODAY });
    await channel.send(message('alerts-run-0305'));

    const files = (await readdir(outbox)).sort();
    expect(files).toContain('recent.json');
    expect(files).toContain('notes.txt');
    expect(files).not.toContain('old.json');
    expect(files.filter((f) => f.includes('alerts-run-0305'))).toHaveLength(1);
  });
});
