import { z } from 'zod';

/** Emails are compared and stored trimmed and lower-cased: one account per mailbox. */
export const emailSchema = z
  .string({ error: 'Enter your email address.' })
  .trim()
  .toLowerCase()
  .min(1, 'Enter your email address.')
  .max(254, 'This email address is too long.')
  .pipe(z.email({ error: 'Enter a valid email address, like name@example.com.' }));
