import { createHash } from 'node:crypto';
import type { Messages } from '../http/i18n';
import type { ConsentMethod } from './policies.repository';

/** How a newsletter consent came to be: at sign-up, later on /account, or taken back there. */
export type NewsletterMethod = Extract<ConsentMethod, 'signup' | 'signup-email' | 'signup-oidc' | 'optin' | 'withdraw'>;

/** A consent record to append, in the shape the account's creation takes (accounts.repository's NewConsent). */
export interface NewsletterConsent {
  readonly document: 'newsletter';
  readonly policyVersion: string;
  readonly wording: string;
  readonly method: NewsletterMethod;
}

/** The box's label, in the site's language: the words shown are the words recorded. */
export function newsletterWording(messages: Messages): string {
  return messages.t('newsletter.box');
}

/** The words of the withdrawal button, recorded with the withdrawal. */
export function newsletterWithdrawalWording(messages: Messages): string {
  return messages.t('newsletter.stop');
}

/**
 * The newsletter has no published document with a version label: the version names the
 * wording itself (a hash), so that a change of the catalog's words shows in the records.
 */
export function wordingVersion(wording: string): string {
  return `wording-${createHash('sha256').update(wording).digest('hex').slice(0, 12)}`;
}

/** The record that a ticked box (or a later opt-in) appends; `withdraw` records the button's words. */
export function newsletterConsent(messages: Messages, method: NewsletterMethod): NewsletterConsent {
  const wording = method === 'withdraw' ? newsletterWithdrawalWording(messages) : newsletterWording(messages);
  return { document: 'newsletter', policyVersion: wordingVersion(wording), wording, method };
}

/** A form's checkbox: ticked only when the box was sent with its value (an unticked box sends nothing). */
export function boxTicked(value: unknown): boolean {
  return value === 'yes';
}
