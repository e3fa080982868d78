import { z } from 'zod';

/** One message of the work queue: run this tenant for this interval (`slot`, the fan-out's start). */
export const tenantMessageSchema = z.object({
  v: z.literal(1),
  tenantId: z.string().regex(/^[0-9a-f-]{36}$/),
  slot: z.iso.datetime(),
  enqueuedAt: z.iso.datetime(),
});
export type TenantMessage = z.infer<typeof tenantMessageSchema>;

export function parseTenantMessage(text: string): TenantMessage | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'the message is not JSON' };
  }
  const parsed = tenantMessageSchema.safeParse(json);
  return parsed.success
    ? parsed.data
    : { error: `not a tenant run message: ${parsed.error.issues[0]?.message ?? ''}` };
}
