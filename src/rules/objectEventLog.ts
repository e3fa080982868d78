import type { ObjectEvent } from './objectStatusState.js';

/**
 * A run's object events, kept for a replay (see ObjectStatusTracker), in the order they were added.
 * Nearly every event of a large run only clears (or says nothing about) an object: as an object each
 * held about 220 bytes, so a 200,000-event run kept 45 MB of them alive and V8 grew the heap to about
 * three times that. Such an event is stored here as its time, its object and a slot (a shared job
 * entry and the result): 16 bytes in typed arrays. Object ids are kept once per object, not once per
 * event (each event's id is its own string from JSON.parse: 60 bytes per event kept to the end of the
 * run, where a run's events touch far fewer objects than there are events). Events
 * that fail an object or count a delete (staged or done) are kept whole. Iterating gives back events equal,
 * field by field, to those added.
 */
type JobFields = Pick<ObjectEvent, 'job' | 'jobId' | 'servicePrincipalId' | 'configurationName'>;

const INITIAL = 1_024;

export class ObjectEventLog {
  private whole: ObjectEvent[] = [];
  private at = new Float64Array(INITIAL);
  /** >= 0: 2 * job index + (0 clear, 1 other); < 0: -1 - index in `whole`. */
  private slot = new Int32Array(INITIAL);
  /** Index in `objects` of each event's object id; -1 for none. */
  private object = new Int32Array(INITIAL);
  private objects: string[] = [];
  private readonly objectIndex = new Map<string, number>();
  private jobs: JobFields[] = [];
  private readonly jobIndex = new Map<string, number>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(events: readonly ObjectEvent[]): void {
    for (const event of events) this.addOne(event);
  }

  clear(): void {
    this.whole = [];
    this.at = new Float64Array(INITIAL);
    this.slot = new Int32Array(INITIAL);
    this.object = new Int32Array(INITIAL);
    this.objects = [];
    this.objectIndex.clear();
    this.jobs = [];
    this.jobIndex.clear();
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<ObjectEvent> {
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot[i]!;
      if (slot < 0) {
        yield this.whole[-1 - slot]!;
        continue;
      }
      yield {
        ...this.jobs[slot >> 1]!,
        at: this.at[i]!,
        objectId: this.objectIdOf(i),
        result: (slot & 1) === 0 ? 'clear' : 'other',
        code: '',
        category: 'Other',
        name: null,
        objectType: null,
        action: null,
        description: null,
        recommendedAction: null,
        cycleId: null,
        stagedDelete: false,
        deleted: false,
      };
    }
  }

  private addOne(event: ObjectEvent): void {
    if (this.count === this.at.length) this.grow();
    const i = this.count++;
    this.at[i] = event.at;
    this.object[i] = event.objectId === null ? -1 : this.objectOf(event.objectId);
    this.slot[i] = compact(event)
      ? 2 * this.jobOf(event) + (event.result === 'clear' ? 0 : 1)
      : -1 - this.keep(event);
  }

  private objectOf(id: string): number {
    let index = this.objectIndex.get(id);
    if (index === undefined) {
      index = this.objects.length;
      this.objects.push(id);
      this.objectIndex.set(id, index);
    }
    return index;
  }

  private objectIdOf(i: number): string | null {
    const index = this.object[i]!;
    return index < 0 ? null : this.objects[index]!;
  }

  private keep(event: ObjectEvent): number {
    this.whole.push(event);
    return this.whole.length - 1;
  }

  private jobOf(event: ObjectEvent): number {
    const key = `${event.job}\u0000${event.jobId}\u0000${event.servicePrincipalId ?? '\u0001'}\u0000${event.configurationName ?? '\u0001'}`;
    let index = this.jobIndex.get(key);
    if (index === undefined) {
      index = this.jobs.length;
      this.jobs.push({
        job: event.job,
        jobId: event.jobId,
        servicePrincipalId: event.servicePrincipalId,
        configurationName: event.configurationName,
      });
      this.jobIndex.set(key, index);
    }
    return index;
  }

  private grow(): void {
    const at = new Float64Array(this.at.length * 2);
    at.set(this.at);
    this.at = at;
    const slot = new Int32Array(this.slot.length * 2);
    slot.set(this.slot);
    this.slot = slot;
    const object = new Int32Array(this.object.length * 2);
    object.set(this.object);
    this.object = object;
  }
}

/** An event whose every field but job, time, object and result is what a non-failing event carries. */
function compact(event: ObjectEvent): boolean {
  return (
    event.result !== 'failure' &&
    !event.stagedDelete &&
    !event.deleted &&
    event.code === '' &&
    event.category === 'Other' &&
    event.name === null &&
    event.objectType === null &&
    event.action === null &&
    event.description === null &&
    event.recommendedAction === null &&
    event.cycleId === null
  );
}
