import type { z } from 'zod';

/**
 * Reading a webhook body safely: a size limit before parsing, JSON errors and schema errors turned
 * into a clear 400 that names what is wrong (never echoing the body), and nothing done before the
 * body is known to be good. Structural types keep @azure/functions out of the core.
 */
export interface RequestLike {
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type BodyResult<T> = { ok: true; value: T } | { ok: false; status: 400 | 413 | 415; message: string };

export async function readJsonBody<S extends z.ZodType>(
  request: RequestLike,
  schema: S,
  maxBytes: number,
): Promise<BodyResult<z.infer<S>>> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return { ok: false, status: 413, message: `body is ${declared} bytes; at most ${maxBytes} are accepted` };
  }
  const type = request.headers.get('content-type') ?? '';
  if (type && !/^application\/(.+\+)?json\b/i.test(type)) {
    return { ok: false, status: 415, message: 'content-type must be application/json' };
  }
  const text = await request.text();
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    return { ok: false, status: 413, message: `body is over ${maxBytes} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: 'body is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, status: 400, message: `body rejected: ${problems}` };
  }
  return { ok: true, value: parsed.data };
}
