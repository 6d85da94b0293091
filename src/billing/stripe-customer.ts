import type Stripe from 'stripe';

/** Statuses in which Stripe will not charge the customer again. */
const endedStatuses = new Set(['canceled', 'incomplete_expired']);

/** Stripe's answer for a customer or subscription that is not (or no longer) there. */
function isMissing(error: unknown): boolean {
  return (error as { statusCode?: unknown }).statusCode === 404 || (error as { code?: unknown }).code === 'resource_missing';
}

/**
 * Cancels every live subscription of the customer and deletes it. Asks Stripe, not the
 * local rows, which subscriptions there are: one whose webhook never arrived would
 * otherwise go on charging a reader who has left. A customer already gone is no error
 * (a deletion tried again); anything else Stripe answers is thrown.
 */
export async function endStripeCustomer(stripe: Stripe, customer: string): Promise<void> {
  let subscriptions: Stripe.Subscription[];
  try {
    subscriptions = await stripe.subscriptions.list({ customer, status: 'all', limit: 100 }).autoPagingToArray({ limit: 10_000 });
  } catch (error) {
    // The customer is gone at Stripe already, with its subscriptions.
    if (isMissing(error)) return;
    throw error;
  }
  for (const subscription of subscriptions) {
    if (!endedStatuses.has(subscription.status)) await stripe.subscriptions.cancel(subscription.id);
  }
  try {
    await stripe.customers.del(customer);
  } catch (error) {
    // Deleted already: a deletion that failed after this point is being tried again.
    if (!isMissing(error)) throw error;
  }
}
