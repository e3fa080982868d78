import { StringIndex } from '../domain/stringIndex.js';
import {
  compactEvent,
  type ObjectEvent,
  type ObjectEventJob,
  type ObjectEventSink,
} from './objectStatusState.js';

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
const INITIAL = 1_024;
const STRINGS_MAX = 50_000;

export class ObjectEventLog implements ObjectEventSink {
  private whole: ObjectEvent[] = [];
  private at = new Float64Array(INITIAL);
  /** >= 0: 2 * job index + (0 clear, 1 other); < 0: -1 - index in `whole`. */
  private slot = new Int32Array(INITIAL);
  /** Index in `objects` of each event's object id; -1 for none. */
  private object = new Int32Array(INITIAL);
  private readonly objects = new StringIndex();
  /** The index of the id objectId gave last (the event being added next is of that object). */
  private lastObject = -1;
  private jobs: ObjectEventJob[] = [];
  /** The job of the previous compact event, and its index: events of one job come in runs. */
  private lastJob: ObjectEventJob | undefined;
  private lastJobIndex = -1;
  private readonly jobIndex = new Map<string, number>();
  /** Texts of whole events, one copy each (bounded: beyond it a text is kept as it came). */
  private readonly strings = new Map<string, string>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(events: readonly ObjectEvent[]): void {
    for (const event of events) {
      if (compact(event)) this.addCompact(event.at, event.objectId, event, event.result as 'clear' | 'other');
      else this.addWhole(event);
    }
  }

  addCompact(at: number, objectId: string | null, job: ObjectEventJob, result: 'clear' | 'other'): void {
    const i = this.next(at, objectId);
    this.slot[i] = 2 * this.jobOf(job) + (result === 'clear' ? 0 : 1);
  }

  addWhole(event: ObjectEvent): void {
    const i = this.next(event.at, event.objectId);
    this.whole.push(event);
    this.slot[i] = -1 - (this.whole.length - 1);
  }

  share(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size < STRINGS_MAX) this.strings.set(value, value);
    return value;
  }

  clear(): void {
    this.strings.clear();
    this.whole = [];
    this.at = new Float64Array(INITIAL);
    this.slot = new Int32Array(INITIAL);
    this.object = new Int32Array(INITIAL);
    this.objects.clear();
    this.lastObject = -1;
    this.jobs = [];
    this.jobIndex.clear();
    this.lastJob = undefined;
    this.lastJobIndex = -1;
    this.count = 0;
  }

  *[Symbol.iterator](): IterableIterator<ObjectEvent> {
    for (let i = 0; i < this.count; i++) {
      const slot = this.slot[i]!;
      if (slot < 0) {
        yield this.whole[-1 - slot]!;
        continue;
      }
      yield compactEvent(
        this.at[i]!,
        this.objectIdOf(i),
        this.jobs[slot >> 1]!,
        (slot & 1) === 0 ? 'clear' : 'other',
      );
    }
  }

  /** The index of a new event, with its time and object stored. */
  private next(at: number, objectId: string | null): number {
    if (this.count === this.at.length) this.grow();
    const i = this.count++;
    this.at[i] = at;
    this.object[i] =
      objectId === null
        ? -1
        : objectId === this.objects.values[this.lastObject]
          ? this.lastObject
          : this.objects.indexOf(objectId);
    return i;
  }

  objectId(id: string): string {
    this.lastObject = this.objects.indexOf(id);
    return this.objects.values[this.lastObject]!;
  }

  private objectIdOf(i: number): string | null {
    const index = this.object[i]!;
    return index < 0 ? null : this.objects.values[index]!;
  }

  private jobOf(job: ObjectEventJob): number {
    if (job === this.lastJob) return this.lastJobIndex;
    const key = `${job.job}\u0000${job.jobId}\u0000${job.servicePrincipalId ?? '\u0001'}\u0000${job.configurationName ?? '\u0001'}`;
    let index = this.jobIndex.get(key);
    if (index === undefined) {
      index = this.jobs.length;
      this.jobs.push({
        job: job.job,
        jobId: job.jobId,
        servicePrincipalId: job.servicePrincipalId,
        configurationName: job.configurationName,
      });
      this.jobIndex.set(key, index);
    }
    this.lastJob = job;
    this.lastJobIndex = index;
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
