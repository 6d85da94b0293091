import type { Response } from 'express';
import type { z } from 'zod';

/** One message per bad field, keyed by its dotted path ("period.timeZone"). */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join('.') || 'body'] ??= issue.message;
  return fields;
}

/** The admin API's 400: `{"error": "Invalid <what>: a, b", "fields": {...}}`. */
export function sendFieldErrors(res: Response, what: string, fields: Record<string, string>): void {
  res.status(400).json({ error: `Invalid ${what}: ${Object.keys(fields).join(', ')}`, fields });
}
