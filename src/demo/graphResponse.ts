import type { ServerResponse } from 'node:http';
import type { Json, JsonObject } from './graphTypes.js';

/**
 * Writing responses the way Graph does: OData JSON content type, request-id / client-request-id
 * headers, and errors in Graph's `{ error: { code, message, innerError } }` shape. Nothing from the
 * request other than client-request-id is echoed (never the Authorization header).
 */
export interface ResponseContext {
  readonly requestId: string;
  readonly clientRequestId: string;
  /** Scenario time of the request (innerError.date). */
  readonly date: Date;
}

const JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export interface SendOptions {
  readonly headers?: Record<string, string>;
  /** Cut the body mid-JSON (the truncatedPage fault): framing stays valid, the JSON does not parse. */
  readonly truncate?: boolean;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: Json,
  context: ResponseContext,
  options: SendOptions = {},
): void {
  let text = JSON.stringify(body);
  if (options.truncate) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const payload = Buffer.from(text, 'utf8');
  response.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': String(payload.length),
    'cache-control': 'no-cache',
    'request-id': context.requestId,
    'client-request-id': context.clientRequestId,
    ...options.headers,
  });
  response.end(payload);
}

export function graphErrorBody(code: string, message: string, context: ResponseContext): JsonObject {
  return {
    error: {
      code,
      message,
      innerError: {
        // Graph writes this date without a zone designator or fraction.
        date: context.date.toISOString().slice(0, 19),
        'request-id': context.requestId,
        'client-request-id': context.clientRequestId,
      },
    },
  };
}

export function sendGraphError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  context: ResponseContext,
  options: SendOptions = {},
): void {
  sendJson(response, status, graphErrorBody(code, message, context), context, options);
}

/** The error code Graph uses for a status when a fault forces one. */
export function errorCodeForStatus(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: 'BadRequest', message: 'Bad request.' };
    case 401:
      return { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' };
    case 403:
      return {
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      };
    case 404:
      return { code: 'Request_ResourceNotFound', message: 'Resource not found.' };
    case 429:
      return { code: 'TooManyRequests', message: 'Too many requests.' };
    case 500:
      return { code: 'InternalServerError', message: 'An internal server error occurred.' };
    case 502:
      return { code: 'BadGateway', message: 'Bad gateway.' };
    case 503:
      return {
        code: 'ServiceUnavailable',
        message: 'The service is temporarily unavailable. Please retry later.',
      };
    case 504:
      return { code: 'GatewayTimeout', message: 'The gateway timed out.' };
    default:
      return { code: 'UnknownError', message: `The request failed with status ${status}.` };
  }
}
