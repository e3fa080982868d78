import { z } from 'zod';
import type { JsonObject } from './graphTypes.js';
import {
  decodeSkipToken,
  encodeSkipToken,
  parseSelect,
  project,
  QueryError,
  queryOptions,
} from './odataQuery.js';
import type { Version } from './routes.js';
import type { Scenario } from './scenario.js';

/**
 * The directory objects of the demo tenant behind the delta queries `GET /users/delta`,
 * `/groups/delta` and `/contacts/delta` (orgContact), shaped as Microsoft documents them
 * (https://learn.microsoft.com/graph/delta-query-users): a first round lists every object, page by page
 * through `@odata.nextLink` (`$skiptoken`), and its last page carries `@odata.deltaLink` (`$deltatoken`);
 * a round from a deltaLink returns only what changed since, removed objects as
 * `{ "id": ..., "@removed": { "reason": "changed" } }`. Query parameters of the first request (`$select`)
 * live on in the tokens. Tests change the directory between runs (a change log, each change numbered).
 */
export type DemoObjectType = 'user' | 'group' | 'contact';

export interface DemoDirectoryObject {
  readonly id: string;
  readonly displayName: string;
  readonly userPrincipalName?: string;
  readonly onPremisesSyncEnabled: boolean | null;
  readonly onPremisesDomainName?: string | null;
  readonly onPremisesDistinguishedName?: string | null;
  readonly onPremisesLastSyncDateTime?: string | null;
}

const PROPERTIES: Readonly<Record<DemoObjectType, readonly string[]>> = {
  user: [
    'id',
    'displayName',
    'userPrincipalName',
    'onPremisesSyncEnabled',
    'onPremisesDomainName',
    'onPremisesDistinguishedName',
    'onPremisesLastSyncDateTime',
  ],
  group: ['id', 'displayName', 'onPremisesSyncEnabled', 'onPremisesDomainName', 'onPremisesLastSyncDateTime'],
  contact: ['id', 'displayName', 'onPremisesSyncEnabled', 'onPremisesLastSyncDateTime'],
};
const COLLECTION: Readonly<Record<DemoObjectType, string>> = {
  user: 'users',
  group: 'groups',
  contact: 'contacts',
};
const ENTITY: Readonly<Record<DemoObjectType, string>> = {
  user: 'user',
  group: 'group',
  contact: 'orgContact',
};
const PAGE_SIZE = 100;
const ERROR = 'Request_BadRequest';

const token = z.object({
  v: z.literal(1),
  t: z.enum(['user', 'group', 'contact']),
  /** Changes after this sequence number (0: a first round, everything). */
  from: z.number().int().min(0),
  /** The sequence number the round ends at (its deltaLink starts there). */
  to: z.number().int().min(0),
  offset: z.number().int().min(0),
  select: z.array(z.string()).nullable(),
});
type Token = z.infer<typeof token>;

interface Change {
  readonly seq: number;
  readonly type: DemoObjectType;
  readonly id: string;
  readonly object: DemoDirectoryObject | null;
}

export class DemoDirectory {
  private readonly changes: Change[] = [];
  private seq = 0;
  /** The organization's onPremisesLastSyncDateTime (null: never synced, or cloud only). */
  organizationLastSyncAt: string | null = null;
  /** Delta requests answered, per object type (tests: "after the first run only the changes"). */
  readonly requests: Record<DemoObjectType, number> = { user: 0, group: 0, contact: 0 };
  /** Objects sent in delta responses, per object type. */
  readonly objectsServed: Record<DemoObjectType, number> = { user: 0, group: 0, contact: 0 };

  upsert(type: DemoObjectType, object: DemoDirectoryObject): void {
    this.changes.push({ seq: ++this.seq, type, id: object.id, object });
  }

  remove(type: DemoObjectType, id: string): void {
    this.changes.push({ seq: ++this.seq, type, id, object: null });
  }

  /** The objects of a type as they are now. */
  current(type: DemoObjectType): DemoDirectoryObject[] {
    return [...this.latest(type, 0, this.seq).values()].filter((o): o is DemoDirectoryObject => o !== null);
  }

  private latest(type: DemoObjectType, from: number, to: number): Map<string, DemoDirectoryObject | null> {
    const latest = new Map<string, DemoDirectoryObject | null>();
    for (const c of this.changes)
      if (c.type === type && c.seq > from && c.seq <= to) latest.set(c.id, c.object);
    return latest;
  }

  /** One page of a delta round. */
  deltaPage(type: DemoObjectType, search: URLSearchParams, baseUrl: string, version: Version): JsonObject {
    this.requests[type]++;
    const options = queryOptions(search, ['$select', '$skiptoken', '$deltatoken'], ERROR);
    const skip = options.get('$skiptoken');
    const delta = options.get('$deltatoken');
    let state: Token;
    if (skip !== undefined) state = decodeSkipToken(skip, token, ERROR);
    else if (delta !== undefined) {
      const d = decodeSkipToken(delta, token, ERROR);
      state = { ...d, from: d.to, to: this.seq, offset: 0 };
    } else {
      const select = parseSelect(options.get('$select'), PROPERTIES[type], ENTITY[type], ERROR) ?? null;
      state = { v: 1, t: type, from: 0, to: this.seq, offset: 0, select };
    }
    if (state.t !== type) throw new QueryError(ERROR, 'The token does not belong to this resource.');
    const entries = [...this.latest(type, state.from, state.to)].filter(
      // A first round lists what exists; later rounds also tell what went.
      ([, object]) => object !== null || state.from > 0,
    );
    const page = entries.slice(state.offset, state.offset + PAGE_SIZE);
    const value = page.map(([id, object]) =>
      object === null
        ? { id, '@removed': { reason: 'changed' } }
        : (project(object as unknown as JsonObject, state.select ?? undefined) as JsonObject),
    );
    this.objectsServed[type] += value.length;
    const root = `${baseUrl}/${version}/${COLLECTION[type]}/delta`;
    const select = state.select ? `(${state.select.join(',')})` : '';
    const body: JsonObject = {
      '@odata.context': `${baseUrl}/${version}/$metadata#${COLLECTION[type]}${select}`,
      value,
    };
    if (state.offset + PAGE_SIZE < entries.length) {
      body['@odata.nextLink'] =
        `${root}?$skiptoken=${encodeSkipToken({ ...state, offset: state.offset + PAGE_SIZE })}`;
    } else {
      body['@odata.deltaLink'] =
        `${root}?$deltatoken=${encodeSkipToken({ ...state, offset: 0, from: state.to })}`;
    }
    return body;
  }
}

/** The scenario with the organization's on-premises sync time from the directory (Graph always has the property). */
export function withOrganizationSync(scenario: Scenario, directory: DemoDirectory): Scenario {
  const served = Object.create(scenario) as Scenario;
  return Object.assign(served, {
    organization: () =>
      ({
        ...scenario.organization(),
        onPremisesLastSyncDateTime: directory.organizationLastSyncAt,
      }) as ReturnType<Scenario['organization']>,
  });
}
