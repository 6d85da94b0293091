import type Stripe from 'stripe';
import pino from 'pino';
import type { ApplyOutcome } from './billing.repository';
import { StripeWebhookService } from './stripe-webhook.service';

function eventOf(type: string, object: Record<string, unknown>, id = 'evt_1'): Stripe.Event {
  return { id, type, data: { object } } as unknown as Stripe.Event;
}

function build(options: { outcome?: ApplyOutcome; failure?: Error } = {}) {
  const seen = new Set<string>();
  const recorded: string[] = [];
  const synced: [string, string | undefined, { id: string; type: string } | undefined, string | undefined][] = [];
  const counted: { type: string; outcome: string }[] = [];
  const service = new StripeWebhookService({
    billing: {
      syncSubscription: async (subscriptionId, { accountHint, event, customerId }) => {
        synced.push([subscriptionId, accountHint, event, customerId]);
        if (options.failure) throw options.failure;
        // As the billing service does: a recorded event is seen as the subscription's lock is taken.
        if (event && seen.has(event.id)) return 'duplicate';
        if (event) seen.add(event.id);
        return options.outcome ?? 'applied';
      },
    },
    repository: {
      recordEvent: async (event, outcome) => {
        if (seen.has(event.id)) return false;
        seen.add(event.id);
        recorded.push(`${event.id} ${outcome}`);
        return true;
      },
    },
    logger: pino({ level: 'silent' }),
    metrics: { webhookEvents: { inc: (labels: { type: string; outcome: string }) => void counted.push(labels) } } as never,
  });
  return { service, seen, recorded, synced, counted };
}

describe('StripeWebhookService', () => {
  it('when a subscription event arrives, then its subscription is synced with the account its metadata names', async () => {
    const { service, synced, counted } = build();
    const event = eventOf('customer.subscription.updated', { id: 'sub_1', customer: 'cus_1', metadata: { accountId: 'acc_1' } });
    await expect(service.handle(event)).resolves.toBe('applied');
    expect(synced).toEqual([['sub_1', 'acc_1', { id: 'evt_1', type: 'customer.subscription.updated' }, 'cus_1']]);
    expect(counted).toEqual([{ type: 'customer.subscription.updated', outcome: 'applied' }]);
  });

  it.each(['customer.subscription.created', 'customer.subscription.deleted'])('when %s arrives, then it is dispatched like any subscription event', async (type) => {
    const { service, synced } = build();
    await service.handle(eventOf(type, { id: 'sub_2', metadata: {} }));
    expect(synced.map(([id]) => id)).toEqual(['sub_2']);
  });

  it("when a Checkout in subscription mode completes, then its subscription is synced for the session's reference", async () => {
    const { service, synced } = build();
    await service.handle(eventOf('checkout.session.completed', { mode: 'subscription', subscription: 'sub_3', customer: 'cus_3', client_reference_id: 'acc_3' }));
    expect(synced.map(([id, hint, , customer]) => [id, hint, customer])).toEqual([['sub_3', 'acc_3', 'cus_3']]);
  });

  it('when a Checkout in payment mode completes, then it is ignored and recorded', async () => {
    const { service, synced, recorded } = build();
    await expect(service.handle(eventOf('checkout.session.completed', { mode: 'payment', client_reference_id: 'acc_3' }))).resolves.toBe('ignored');
    expect(synced).toEqual([]);
    expect(recorded).toEqual(['evt_1 ignored']);
  });

  it.each([
    ['the current shape (parent.subscription_details)', { customer: 'cus_4', parent: { subscription_details: { subscription: 'sub_4' } } }],
    ['the pre-2025 shape (subscription)', { customer: 'cus_4', subscription: 'sub_4' }],
    ['an expanded subscription', { customer: { id: 'cus_4' }, subscription: { id: 'sub_4' } }],
  ])('when an invoice event has %s, then its subscription is synced for its customer', async (_shape, invoice) => {
    const { service, synced } = build();
    await service.handle(eventOf('invoice.paid', invoice));
    await service.handle(eventOf('invoice.payment_failed', invoice, 'evt_2'));
    expect(synced.map(([id, hint, , customer]) => [id, hint, customer])).toEqual([['sub_4', undefined, 'cus_4'], ['sub_4', undefined, 'cus_4']]);
  });

  it('when an invoice names no subscription (a one-off), then it is ignored', async () => {
    const { service, synced } = build();
    await expect(service.handle(eventOf('invoice.paid', {}))).resolves.toBe('ignored');
    expect(synced).toEqual([]);
  });

  it('when a type is not handled, then it is recorded, answered as ignored and counted', async () => {
    const { service, recorded, counted } = build();
    await expect(service.handle(eventOf('customer.created', { id: 'cus_1' }))).resolves.toBe('ignored');
    expect(recorded).toEqual(['evt_1 ignored']);
    expect(counted).toEqual([{ type: 'customer.created', outcome: 'ignored' }]);
  });

  it('when an event comes again, then it is a duplicate, told by the sync (which asks Stripe nothing then) or by the record of an ignored one', async () => {
    const { service, synced, counted, recorded } = build();
    const event = eventOf('customer.subscription.updated', { id: 'sub_1', metadata: {} });
    await service.handle(event);
    await expect(service.handle(event)).resolves.toBe('duplicate');
    expect(synced).toHaveLength(2);
    const ignored = eventOf('customer.created', {}, 'evt_9');
    await service.handle(ignored);
    await expect(service.handle(ignored)).resolves.toBe('duplicate');
    expect(recorded).toEqual(['evt_9 ignored']);
    expect(counted.map((c) => c.outcome)).toEqual(['applied', 'duplicate', 'ignored', 'duplicate']);
  });

  it.each<ApplyOutcome>(['unknown-customer', 'account-gone'])('when the sync answers %s, then that is the outcome', async (outcome) => {
    const { service, counted } = build({ outcome });
    await expect(service.handle(eventOf('customer.subscription.updated', { id: 'sub_1', metadata: {} }))).resolves.toBe(outcome);
    expect(counted).toEqual([{ type: 'customer.subscription.updated', outcome }]);
  });

  it('when the sync fails, then the error is rethrown (Stripe retries) and counted as failed', async () => {
    const { service, counted } = build({ failure: new Error('database down') });
    await expect(service.handle(eventOf('invoice.paid', { subscription: 'sub_1' }))).rejects.toThrow('database down');
    expect(counted).toEqual([{ type: 'invoice.paid', outcome: 'failed' }]);
  });
});
