import type { Span } from './rollupSchema.js';

/**
 * Adds one observation to a list of spans: extends the last span when the state is unchanged, starts a
 * new one when it changed. Observations normally arrive in time order (collect runs hold a lease); one
 * that arrives late is still placed by time so the spans stay sorted.
 */
export function addObservation(
  spans: readonly Span[],
  at: string,
  state: string,
  detail: string | null,
): Span[] {
  const out = spans.map((s) => ({ ...s }));
  const inside = out.find((s) => s.from <= at && at <= s.to);
  if (inside && inside.state === state && inside.detail === detail) {
    inside.observations += 1;
    return out;
  }
  const last = out[out.length - 1];
  if (last && last.to <= at && last.state === state && last.detail === detail) {
    last.to = at;
    last.observations += 1;
    return out;
  }
  out.push({ state, detail, from: at, to: at, observations: 1 });
  return out.sort((a, b) => a.from.localeCompare(b.from));
}

/**
 * Joins the spans of consecutive hours into one timeline: a span that continues in the next hour with the
 * same state becomes one span. The end of a span is its last observation; the state changed somewhere
 * between that and the next span's first observation.
 */
export function joinSpans(hours: readonly (readonly Span[])[]): Span[] {
  const out: Span[] = [];
  for (const spans of hours) {
    for (const span of spans) {
      const last = out[out.length - 1];
      if (last && last.state === span.state && last.detail === span.detail && last.to <= span.from) {
        last.to = span.to;
        last.observations += span.observations;
      } else out.push({ ...span });
    }
  }
  return out.sort((a, b) => a.from.localeCompare(b.from));
}
