import { z } from 'zod';
import { buildMessages, type Messages } from '../http/i18n';

/** Addresses are printable ASCII (as z.email() wants them), checked before anything changes them. */
const printableAscii = /^[\x20-\x7e]*$/;

/** Emails are compared and stored trimmed and lower-cased: one account per mailbox; the problems in the reader's language. */
export function emailSchemaFor(messages: Messages) {
  return z
    .string({ error: messages.t('email.required') })
    .trim()
    // Before lower-casing, which maps some non-ASCII letters to ASCII ones (the Kelvin sign to "k"):
    // a look-alike must not become another reader's address.
    .regex(printableAscii, messages.t('email.invalid'))
    .toLowerCase()
    .min(1, messages.t('email.required'))
    .max(254, messages.t('email.tooLong'))
    .pipe(z.email({ error: messages.t('email.invalid') }));
}

export type EmailSchema = ReturnType<typeof emailSchemaFor>;

/** The same rules with English problems, where no reader sees them (the CLI, passport's strategy). */
export const emailSchema: EmailSchema = emailSchemaFor(buildMessages('en'));
