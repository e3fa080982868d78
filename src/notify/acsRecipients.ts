import type { z } from 'zod';

/** ACS accepts at most 50 recipients per message (to + cc + bcc). */
export const ACS_MAX_RECIPIENTS = 50;

/** A recipient list held to the ACS limit: ALERT_EMAIL_TO and a routing receiver's `email` alike. */
export const withinAcsRecipientLimit = <T extends z.ZodArray<z.ZodType>>(list: T) =>
  list.max(
    ACS_MAX_RECIPIENTS,
    `at most ${ACS_MAX_RECIPIENTS} recipients (ACS limit); use a distribution list`,
  );
