import { z } from 'zod';

/**
 * Graph omits properties or sends null interchangeably; both mean "no value" and callers treat them
 * alike. No transform here: a transform costs a pipe per field, and this runs on every field of
 * hundreds of thousands of events (it tripled the validation time).
 */
export const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

/** A DateTimeOffset; Graph uses `0001-01-01T00:00:00Z` for "never", which we treat as no value. */
export const dateTime = z
  .string()
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined || value.startsWith('0001-01-01')) return undefined;
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a date-time: ${value.slice(0, 40)}` });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

/** Int64 values may arrive as numbers or, from some serialisers, as numeric strings. */
export const int64 = z
  .union([z.number(), z.string().regex(/^-?\d+$/)])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : Number(v)));

export const text = nullish(z.string());
