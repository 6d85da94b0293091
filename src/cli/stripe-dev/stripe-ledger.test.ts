import { StripeLedger } from './stripe-ledger';
import { StripeRequestError } from './stripe-request-error';
import { defaultPrices, parsePriceFlag, pricesOf } from './price-flags';
import type { PriceSpec, StripeObject } from './stripe-objects';

const t0 = Date.UTC(2027, 0, 31, 12);
const trial: PriceSpec = { id: 'price_dev_trial', nickname: 'Trial', unitAmount: 700, interval: 'month', currency: 'eur', trialDays: 14 };

function ledger(options: { anyPrice?: boolean } = {}) {
  const events: StripeObject[] = [];
  const l = new StripeLedger({ prices: [...defaultPrices, trial], anyPrice: options.anyPrice ?? false, clock: () => t0, onEvent: (e) => events.push(e) });
  return { l, events };
}

function checkout(l: StripeLedger, price = 'price_dev_monthly') {
  const customer = l.createCustomer('reader@example.com', { accountId: 'acc_1' });
  return l.createCheckoutSession({ mode: 'subscription', customer: customer.id, client_reference_id: 'acc_1', line_items: [{ price }], success_url: 'http://localhost:8080/subscribe/success?session_id={CHECKOUT_SESSION_ID}', subscription_data: { metadata: { accountId: 'acc_1' } } }, 'http://localhost:12111');
}

describe('the Stripe dev ledger', () => {
  it('when a reader pays, then the session completes, a subscription starts, and three events tell it, each shaped as Stripe sends it', () => {
    const { l, events } = ledger();
    const session = checkout(l);
    expect(session.url).toBe(`http://localhost:12111/c/pay/${String(session.id)}`);
    const subscription = l.pay(session.id as string)!;
    expect(subscription).toMatchObject({ object: 'subscription', status: 'active', metadata: { accountId: 'acc_1' } });
    const item = (subscription.items as { data: StripeObject[] }).data[0]!;
    // A calendar month from 31 January: the end of February.
    expect(item.current_period_end).toBe(Date.UTC(2027, 1, 28, 12) / 1000);
    expect(item.price).toMatchObject({ id: 'price_dev_monthly', nickname: 'Monthly', unit_amount: 500 });
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.created', 'invoice.paid', 'checkout.session.completed']);
    for (const e of events) expect(e).toMatchObject({ id: expect.stringMatching(/^evt_[A-Za-z0-9_]{16}$/), object: 'event', created: t0 / 1000, livemode: false, data: { object: expect.any(Object) } });
    expect(events[1]!.data).toMatchObject({ object: { object: 'invoice', status: 'paid', amount_paid: 500, parent: { subscription_details: { subscription: subscription.id } } } });
    expect(events[2]!.data).toMatchObject({ object: { object: 'checkout.session', status: 'complete', subscription: subscription.id, client_reference_id: 'acc_1' } });
    expect(Object.keys((events[2]!.data as { object: StripeObject }).object)).not.toContain('priceId');
  });

  it('when Pay comes twice, then one subscription and one set of events', () => {
    const { l, events } = ledger();
    const session = checkout(l);
    l.pay(session.id as string);
    expect(l.pay(session.id as string)).toBeUndefined();
    expect(l.subscriptions.size).toBe(1);
    expect(events).toHaveLength(3);
  });

  it('when Checkout asks for trial days (subscription_data[trial_period_days]), then paying starts a trial of that length, whatever the price says', () => {
    const { l } = ledger();
    const customer = l.createCustomer('reader@example.com', { accountId: 'acc_1' });
    const session = l.createCheckoutSession({ mode: 'subscription', customer: customer.id, line_items: [{ price: 'price_dev_monthly' }], success_url: 'http://localhost:8080/s', subscription_data: { trial_period_days: '7' } }, 'http://localhost:12111');
    expect(session).not.toHaveProperty('trialDays');
    expect(l.pay(session.id as string)).toMatchObject({ status: 'trialing', trial_end: t0 / 1000 + 7 * 86_400 });
  });

  it('when the price has trial days, then the subscription is trialing until they are over', () => {
    const { l } = ledger();
    const subscription = l.pay(checkout(l, 'price_dev_trial').id as string)!;
    expect(subscription).toMatchObject({ status: 'trialing', trial_end: t0 / 1000 + 14 * 86_400 });
  });

  it('when a price is unknown, then Checkout refuses it as Stripe does, unless any price is allowed (the tests)', () => {
    expect(() => checkout(ledger().l, 'price_nope')).toThrow(new StripeRequestError(400, 'invalid_request_error', "No such price: 'price_nope'", 'resource_missing'));
    expect(checkout(ledger({ anyPrice: true }).l, 'price_nope').object).toBe('checkout.session');
  });

  it('when a success or cancel URL is not http(s), then Checkout refuses it', () => {
    const { l } = ledger();
    expect(() => l.createCheckoutSession({ mode: 'subscription', line_items: [{ price: 'price_dev_monthly' }], cancel_url: 'javascript:alert(1)' }, 'http://x')).toThrow('Not a valid URL: cancel_url');
  });

  it('when a subscription switches price or is cancelled, then updated (with the previous items) and deleted are told', () => {
    const { l, events } = ledger();
    const subscription = l.pay(checkout(l).id as string)!;
    events.length = 0;
    l.switchPrice(subscription.id as string, 'price_dev_yearly');
    l.cancelSubscription(subscription.id as string);
    l.cancelSubscription(subscription.id as string);
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.paid', 'customer.subscription.deleted']);
    expect((events[0]!.data as { previous_attributes: { items: { data: { price: { id: string } }[] } } }).previous_attributes.items.data[0]!.price.id).toBe('price_dev_monthly');
    expect(events[2]!.data).toMatchObject({ object: { status: 'canceled', items: { data: [{ price: { id: 'price_dev_yearly' } }] } } });
  });

  it('when Checkout asks for expires_at, then it is kept if 30 minutes to 24 hours away and refused otherwise; past it the session is expired and cannot be paid', () => {
    let now = t0;
    const l = new StripeLedger({ prices: defaultPrices, anyPrice: false, clock: () => now });
    const ask = (expiresAt: unknown) => l.createCheckoutSession({ mode: 'subscription', line_items: [{ price: 'price_dev_monthly' }], success_url: 'http://localhost:8080/s', expires_at: expiresAt }, 'http://x');
    expect(ask(String(t0 / 1000 + 31 * 60))).toMatchObject({ status: 'open', expires_at: t0 / 1000 + 31 * 60 });
    expect(() => ask(String(t0 / 1000 + 29 * 60))).toThrow('between 30 minutes and 24 hours');
    expect(() => ask(String(t0 / 1000 + 25 * 3600))).toThrow('between 30 minutes and 24 hours');
    expect(() => ask('soon')).toThrow('between 30 minutes and 24 hours');
    const session = ask(String(t0 / 1000 + 31 * 60));
    now = t0 + 31 * 60_000;
    expect(l.pay(session.id as string)).toBeUndefined();
    expect(l.checkoutSession(session.id as string)).toMatchObject({ status: 'expired', url: null });
    expect(l.subscriptions.size).toBe(0);
  });

  it('when a trialing subscription is updated with trial_end=now, then it is active from now, paid, and told; an active one is left as it is; other parameters are refused', () => {
    const { l, events } = ledger();
    const subscription = l.pay(checkout(l, 'price_dev_trial').id as string)!;
    events.length = 0;
    const ended = l.updateSubscription(subscription.id as string, { trial_end: 'now' });
    expect(ended).toMatchObject({ status: 'active', trial_start: t0 / 1000, trial_end: t0 / 1000, items: { data: [{ current_period_start: t0 / 1000, current_period_end: Date.UTC(2027, 1, 28, 12) / 1000 }] } });
    expect(events.map((e) => e.type)).toEqual(['customer.subscription.updated', 'invoice.paid']);
    expect(events[0]!.data).toMatchObject({ previous_attributes: { status: 'trialing', trial_end: t0 / 1000 + 14 * 86_400 } });
    expect(l.updateSubscription(subscription.id as string, { trial_end: 'now' })).toEqual(ended);
    expect(events).toHaveLength(2);
    expect(() => l.updateSubscription(subscription.id as string, { cancel_at_period_end: 'true' })).toThrow('Received unknown parameter: cancel_at_period_end');
    expect(() => l.updateSubscription(subscription.id as string, { trial_end: '1900000000' })).toThrow('only trial_end=now');
  });

  it('when its state is kept and read back, then the same customers and subscriptions are there', () => {
    const { l } = ledger();
    const subscription = l.pay(checkout(l).id as string)!;
    const again = new StripeLedger({ prices: defaultPrices, anyPrice: false, clock: () => t0 }, JSON.parse(JSON.stringify(l.state())));
    expect(again.subscription(subscription.id as string)).toEqual(subscription);
    expect(again.customers.size).toBe(1);
  });
});

describe('--price flags', () => {
  it('when a flag is well formed, then its price, with EUR and no trial by default', () => {
    expect(parsePriceFlag('price_dev_monthly:Monthly:500:month')).toEqual({ id: 'price_dev_monthly', nickname: 'Monthly', unitAmount: 500, interval: 'month', currency: 'eur', trialDays: null });
    expect(parsePriceFlag('price_w:Weekly:199:week:USD:7')).toEqual({ id: 'price_w', nickname: 'Weekly', unitAmount: 199, interval: 'week', currency: 'usd', trialDays: 7 });
  });

  it.each(['price_x:X:5.5:month', 'price_x:X:500:fortnight', 'prod_x:X:500:month', 'price_x:X:500', 'price_x:X:500:month:euro', 'price_x::500:month'])('when the flag is %s, then it is refused with a reason', (flag) => {
    expect(parsePriceFlag(flag)).toEqual(expect.stringContaining(`--price ${flag}:`));
  });

  it('when no flag is given, then the monthly and yearly defaults; when one id is given twice, then refused', () => {
    expect(pricesOf([])).toEqual({ prices: defaultPrices });
    expect(pricesOf(['price_a:A:1:month', 'price_a:B:2:year'])).toEqual({ problems: ['--price price_a is given twice'] });
  });
});
