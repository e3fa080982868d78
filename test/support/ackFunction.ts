import { HttpRequest, InvocationContext } from '@azure/functions';

/** The `ack` function handler called as the Functions host would, with a GET link or a form POST. */
export async function callAck(request: HttpRequest) {
  const { ack } = await import('../../functions/ack.js');
  return ack(request, new InvocationContext({ functionName: 'ack', logHandler: () => undefined }));
}

export const ackGet = (token: string) =>
  new HttpRequest({ method: 'GET', url: `https://app.example/api/ack?token=${encodeURIComponent(token)}` });

export const ackPost = (form: Record<string, string> | [string, string][]) =>
  new HttpRequest({
    method: 'POST',
    url: 'https://app.example/api/ack',
    body: { string: new URLSearchParams(form).toString() },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
