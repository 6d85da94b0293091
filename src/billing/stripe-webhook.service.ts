import type Stripe from 'stripe';
import type { Logger } from 'pino';
import { idOf } from './stripe-id';
import type { BillingRepository } from './billing.repository';
import type { BillingService } from './billing.service';
import type { Metrics } from '../http/metrics';

export interface StripeWebhookDeps {
  readonly billing: Pick<BillingService, 'syncSubscription'>;
  readonly repository: Pick<BillingRepository, 'recordEvent'>;
  readonly logger: Logger;
  readonly metrics: Pick<Metrics, 'webhookEvents'>;
}

export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored' | 'unknown-customer' | 'account-gone';

/** The subscription an invoice belongs to, in the current and the pre-2025 invoice shapes. */
function subscriptionOfInvoice(invoice: Stripe.Invoice): string | undefined {
  const parent = (invoice as unknown as { parent?: { subscription_details?: { subscription?: string | { id: string } } } }).parent;
  const legacy = (invoice as unknown as { subscription?: string | { id: string } }).subscription;
  return idOf(parent?.subscription_details?.subscription ?? legacy);
}

type Handler = (event: Stripe.Event) => { subscriptionId: string | undefined; accountHint: string | undefined; customerId: string | undefined };

/**
 * Each handled event type names the subscription it concerns; the service then re-reads
 * that subscription from Stripe and applies its current state, so order does not matter.
 */
const handlers: Record<string, Handler> = {
  'checkout.session.completed': (event) => {
    const session = event.data.object as Stripe.Checkout.Session;
    return { subscriptionId: session.mode === 'subscription' ? idOf(session.subscription) : undefined, accountHint: session.client_reference_id ?? undefined, customerId: idOf(session.customer) };
  },
  'customer.subscription.created': subscriptionEvent,
  'customer.subscription.updated': subscriptionEvent,
  'customer.subscription.deleted': subscriptionEvent,
  'invoice.paid': invoiceEvent,
  'invoice.payment_failed': invoiceEvent,
};

function subscriptionEvent(event: Stripe.Event) {
  const subscription = event.data.object as Stripe.Subscription;
  return { subscriptionId: subscription.id, accountHint: subscription.metadata?.accountId, customerId: idOf(subscription.customer) };
}

function invoiceEvent(event: Stripe.Event) {
  const invoice = event.data.object as Stripe.Invoice;
  return { subscriptionId: subscriptionOfInvoice(invoice), accountHint: undefined, customerId: idOf(invoice.customer) };
}

export class StripeWebhookService {
  constructor(private readonly deps: StripeWebhookDeps) {}

  /** Applies one verified event; throws (so Stripe retries) when it cannot be applied now. */
  async handle(event: Stripe.Event): Promise<WebhookOutcome> {
    try {
      const outcome = await this.apply(event);
      this.deps.metrics.webhookEvents.inc({ type: event.type, outcome });
      return outcome;
    } catch (error) {
      this.deps.metrics.webhookEvents.inc({ type: event.type, outcome: 'failed' });
      throw error;
    }
  }

  private async apply(event: Stripe.Event): Promise<WebhookOutcome> {
    // A redelivery is answered without asking Stripe: an ignored type by its record's insert,
    // a handled one as its subscription's lock is taken. The guard is the event's insert, in
    // the same transaction as what it changes: two deliveries racing still apply once.
    const ref = { id: event.id, type: event.type };
    const handler = handlers[event.type];
    const target = handler?.(event);
    if (target?.subscriptionId === undefined) {
      this.deps.logger.info({ event: ref }, 'Stripe event ignored');
      return (await this.deps.repository.recordEvent(ref, 'ignored')) ? 'ignored' : 'duplicate';
    }
    // Recorded with the event in the same transaction: an unknown customer, or an account
    // deleted since (the deletion's own cancellation arrives after it), changes nothing.
    const outcome = await this.deps.billing.syncSubscription(target.subscriptionId, { accountHint: target.accountHint, event: ref, customerId: target.customerId });
    if (outcome === 'unknown-customer' || outcome === 'account-gone') this.deps.logger.warn({ event: ref, subscription: target.subscriptionId, outcome }, 'Stripe event for no existing account');
    return outcome;
  }
}
