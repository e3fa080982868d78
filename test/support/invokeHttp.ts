import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';

/** What a caller of an HTTP function sees, plus what the function logged. */
export interface HttpOutcome {
  readonly status: number;
  readonly jsonBody: unknown;
  readonly logs: readonly string[];
}

/**
 * Invokes an HTTP handler directly, as the Functions host would: a JSON POST of `text`, and a handler
 * that throws is answered 500 (the host's behaviour), which is what Azure Monitor or an agent host sees.
 */
export async function postJson(
  handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
  functionName: string,
  text: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<HttpOutcome> {
  const logs: string[] = [];
  const request = new HttpRequest({
    method: 'POST',
    url: `https://app.example/api/${functionName}`,
    body: { string: text },
    headers,
  });
  const context = new InvocationContext({
    functionName,
    logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
  });
  try {
    const response = await handler(request, context);
    return { status: response.status ?? 200, jsonBody: response.jsonBody, logs };
  } catch {
    return { status: 500, jsonBody: undefined, logs };
  }
}
