import type { Response } from 'express';
import type { z } from 'zod';

/** One message per bad field, keyed by its dotted path ("period.timeZone"). */
export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join('.') || 'body'] ??= issue.message;
  return fields;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * A whole settings document's problems, one message per bad field (dotted path: `sections.1.slug`):
 * a field that is missing says "is required", one the document does not have says `unknownKey`.
 */
export function documentFieldErrorsOf(error: z.ZodError, input: unknown, unknownKey: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[[...issue.path, key].join('.')] = unknownKey;
      continue;
    }
    const path = issue.path.join('.') || 'body';
    fields[path] ??= issue.path.length > 0 && valueAt(input, issue.path) === undefined ? 'is required' : issue.message;
  }
  return fields;
}

/** The admin API's 400: `{"error": "Invalid <what>: a, b", "fields": {...}}`. */
export function sendFieldErrors(res: Response, what: string, fields: Record<string, string>): void {
  res.status(400).json({ error: `Invalid ${what}: ${Object.keys(fields).join(', ')}`, fields });
}
