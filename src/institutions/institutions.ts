import { z } from 'zod';
import { parseRange } from './ip-range';

/** An institution as `GET/PUT /admin/api/institutions` carry it (SPEC section 13). */
export interface Institution {
  readonly id: string;
  readonly name: string;
  readonly ipRanges: readonly string[];
  readonly emailDomains: readonly string[];
}

/** What a view is told of the institution that gave the reader access. */
export interface InstitutionRef {
  readonly id: string;
  readonly name: string;
}

export type FieldErrors = Record<string, string>;

export const institutionLimits = { institutions: 1000, ranges: 10_000, domainsPerInstitution: 1000 } as const;

const idPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * An email domain as matched: lower-case ASCII (IDNs in their xn-- form), at least two
 * labels (a bare "edu" would cover a whole top-level domain), no leading or trailing dot.
 */
function domainError(domain: string): string | undefined {
  if (domain.startsWith('.')) return 'must not start with a dot: "library.example" covers its subdomains already';
  if (domain.includes('@')) return 'must be a domain, not an email address';
  if (domain.length > 253) return 'is too long for a domain';
  const labels = domain.split('.');
  if (labels.length < 2) return 'must have at least two labels, like library.example';
  if (!labels.every((l) => label.test(l))) return 'is not a valid domain name (letters, digits and hyphens; IDNs in their xn-- form)';
  if (/^\d+$/.test(labels.at(-1)!)) return 'must be a domain name, not an address';
  return undefined;
}

const institutionShape = z
  .object({
    id: z.string({ error: 'must be a string' }),
    name: z.string({ error: 'must be a string' }),
    ipRanges: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of ranges' }).default([]),
    emailDomains: z.array(z.string({ error: 'must be a string' }), { error: 'must be a list of domains' }).default([]),
  }, { error: 'must be {"id", "name", "ipRanges", "emailDomains"}' })
  .strict();

type Shaped = z.infer<typeof institutionShape>;

/** Each institution's shape on its own, so that one's unknown key does not hide another's bad range. */
function shapeOf(input: unknown, fields: FieldErrors): (Shaped | undefined)[] | undefined {
  if (!Array.isArray(input)) {
    fields.body = 'must be a list of institutions';
    return undefined;
  }
  return input.map((item, i) => {
    const read = institutionShape.safeParse(item);
    if (read.success) return read.data;
    for (const issue of read.error.issues) {
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[[i, ...issue.path, key].join('.')] = 'is not an institution field';
      else fields[[i, ...issue.path].join('.')] ??= issue.message;
    }
    return undefined;
  });
}

/**
 * Checks a whole list, as PUT replaces it: every bad field is named by its path ("0.id",
 * "1.ipRanges.2"), ids and names are trimmed, ranges written back in canonical form, domains
 * lower-cased. A range or a domain may belong to one institution only.
 */
export function parseInstitutions(input: unknown): { ok: true; value: Institution[] } | { ok: false; fields: FieldErrors } {
  const fields: FieldErrors = {};
  const list = shapeOf(input, fields);
  if (list === undefined) return { ok: false, fields };
  if (list.length > institutionLimits.institutions) fields.body = `must list at most ${institutionLimits.institutions} institutions`;
  const totalRanges = list.reduce((n, i) => n + (i?.ipRanges.length ?? 0), 0);
  if (totalRanges > institutionLimits.ranges) fields.body = `must hold at most ${institutionLimits.ranges} ranges in all (${totalRanges} given)`;
  if (fields.body !== undefined) return { ok: false, fields: { body: fields.body } };
  const ids = new Map<string, number>();
  const ranges = new Map<string, string>();
  const domains = new Map<string, string>();
  const value = list.flatMap((given, i) => {
    if (given === undefined) return [];
    const id = given.id.trim();
    if (!idPattern.test(id)) fields[`${i}.id`] = 'must be 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit';
    else if (ids.has(id)) fields[`${i}.id`] = `is already the id of institution ${ids.get(id)}`;
    else ids.set(id, i);
    const name = given.name.trim();
    if (name.length < 1 || name.length > 120) fields[`${i}.name`] = 'must be 1 to 120 characters';
    const ipRanges: string[] = [];
    given.ipRanges.forEach((text, j) => {
      const range = parseRange(text);
      if ('error' in range) return void (fields[`${i}.ipRanges.${j}`] = `"${text.slice(0, 60)}" ${range.error}`);
      const owner = ranges.get(range.cidr);
      if (owner === id) return;
      if (owner !== undefined) return void (fields[`${i}.ipRanges.${j}`] = `${range.cidr} is already a range of "${owner}"`);
      ranges.set(range.cidr, id);
      ipRanges.push(range.cidr);
    });
    if (given.emailDomains.length > institutionLimits.domainsPerInstitution) fields[`${i}.emailDomains`] = `must list at most ${institutionLimits.domainsPerInstitution} domains`;
    const emailDomains: string[] = [];
    given.emailDomains.forEach((text, j) => {
      const domain = text.trim().toLowerCase();
      const error = domainError(domain);
      if (error !== undefined) return void (fields[`${i}.emailDomains.${j}`] = `"${text.slice(0, 60)}" ${error}`);
      const owner = domains.get(domain);
      if (owner === id) return;
      if (owner !== undefined) return void (fields[`${i}.emailDomains.${j}`] = `${domain} is already a domain of "${owner}"`);
      domains.set(domain, id);
      emailDomains.push(domain);
    });
    return [{ id, name, ipRanges, emailDomains }];
  });
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, value };
}
