/**
 * Time is injected everywhere: every time-dependent decision can be replayed (`--now`) and tested.
 * `sleep` belongs to the clock so that a virtual clock (the demo replay, tests) can skip waiting
 * while still exercising the same pacing and budget logic as production.
 */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

const realSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.max(0, ms));
  });

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: realSleep,
};

/** Real time passing, but starting at `start` (the CLI's `--now`). */
export function offsetClock(start: Date): Clock {
  const offset = start.getTime() - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    sleep: realSleep,
  };
}

/** A clock that only moves when told to or when something sleeps on it: sleeping is instant. */
export interface VirtualClock extends Clock {
  set(instant: Date): void;
  advance(ms: number): void;
}

export function virtualClock(start: Date): VirtualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    sleep: (ms) => {
      current += Math.max(0, ms);
      return Promise.resolve();
    },
    set: (instant) => {
      current = instant.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
