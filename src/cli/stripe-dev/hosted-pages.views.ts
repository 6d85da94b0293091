import { html, type SafeHtml } from './html';
import { describePrice, formatAmount, formatDay, priceName, trialDaysOf } from './price-format';
import type { StripeObject } from './stripe-objects';

/** Every page: its own stylesheet (no external asset), no script, a test-mode banner. */
function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Stripe test page</title>
<link rel="stylesheet" href="/assets/stripe-dev.css">
</head>
<body>
<header class="banner"><p><strong>Test mode.</strong> The Stripe dev server of Gatehouse: no card is charged, nothing leaves this computer.</p></header>
<main>
${body}
</main>
</body>
</html>
`.markup;
}

const heading = (text: string) => html`<h1>${text} <span class="where">(Stripe test page)</span></h1>`;

/** The host a reader goes back to, as Stripe names the business: "localhost:8080". */
export function siteOf(url: unknown): string {
  try {
    return new URL(String(url)).host;
  } catch {
    return 'the site';
  }
}

export function checkoutPage(session: StripeObject, price: StripeObject, email: string | null): string {
  const trialDays = trialDaysOf(price);
  const amount = formatAmount(Number(price.unit_amount ?? 0), String(price.currency));
  return layout(`Pay for ${priceName(price)}`, html`${heading('Checkout')}
<section class="plan" aria-labelledby="plan-name">
  <h2 id="plan-name">${priceName(price)}</h2>
  <p class="amount">${describePrice(price)}</p>
  ${trialDays === null ? '' : html`<p>The first ${trialDays} days are free.</p>`}
</section>
<dl class="details">
  ${email === null ? '' : html`<div><dt>Email</dt><dd>${email}</dd></div>`}
  <div><dt>Card</dt><dd>Test card 4242 4242 4242 4242</dd></div>
</dl>
<div class="actions">
  <form method="post" action="/c/pay/${session.id}"><button type="submit">Pay ${trialDays === null ? amount : formatAmount(0, String(price.currency))} today</button></form>
  ${typeof session.cancel_url === 'string' ? html`<a class="button secondary" href="${session.cancel_url}">Cancel</a>` : ''}
</div>`);
}

export function checkoutClosedPage(session: StripeObject, successUrl: string | undefined): string {
  const expired = session.status === 'expired';
  return layout(expired ? 'Checkout expired' : 'Checkout complete', html`${heading(expired ? 'This checkout has expired' : 'This checkout is complete')}
<p>${expired ? 'Start again from the site to subscribe.' : 'It has been paid already: nothing more is charged.'}</p>
${successUrl === undefined ? '' : html`<p><a class="button" href="${successUrl}">Continue to ${siteOf(successUrl)}</a></p>`}`);
}

export type PortalNotice = 'canceled' | 'switched';

const notices: Record<PortalNotice, string> = {
  canceled: 'Your subscription is canceled.',
  switched: 'Your plan is changed.',
};

interface PortalView {
  readonly portal: StripeObject;
  readonly email: string | null;
  readonly subscriptions: readonly StripeObject[];
  /** Every price a subscription may move to. */
  readonly prices: readonly StripeObject[];
  readonly notice: PortalNotice | undefined;
}

function subscriptionSection(view: PortalView, subscription: StripeObject): SafeHtml {
  const item = (subscription.items as { data: StripeObject[] }).data[0]!;
  const price = item.price as StripeObject;
  const base = `/p/session/${String(view.portal.id)}/subscriptions/${String(subscription.id)}`;
  const others = view.prices.filter((p) => p.id !== price.id);
  const headingId = `plan-${String(subscription.id)}`;
  return html`<section class="plan" aria-labelledby="${headingId}">
  <h2 id="${headingId}">${priceName(price)}</h2>
  <p class="amount">${describePrice(price)}</p>
  <p>Status: ${subscription.status}. ${subscription.status === 'trialing' ? 'Trial ends' : 'Renews'} on ${formatDay(Number(item.current_period_end))}.</p>
  <div class="actions">
    ${others.map((p) => html`<form method="post" action="${base}/switch"><input type="hidden" name="price" value="${p.id}"><button type="submit" class="secondary">Switch to ${priceName(p)} (${describePrice(p)})</button></form>`)}
    <form method="post" action="${base}/cancel"><button type="submit" class="danger">Cancel subscription</button></form>
  </div>
</section>`;
}

export function portalPage(view: PortalView): string {
  const returnUrl = view.portal.return_url;
  return layout('Billing', html`${heading('Billing')}
${view.notice === undefined ? '' : html`<p class="notice" role="status">${notices[view.notice]}</p>`}
${view.email === null ? '' : html`<p>Signed in as ${view.email}.</p>`}
${view.subscriptions.length === 0 ? html`<p>No current subscription.</p>` : view.subscriptions.map((s) => subscriptionSection(view, s))}
${typeof returnUrl === 'string' ? html`<p><a class="button secondary" href="${returnUrl}">Return to ${siteOf(returnUrl)}</a></p>` : ''}`);
}

export function notFoundPage(): string {
  return layout('Not found', html`${heading('This link is not valid')}
<p>There is no checkout or billing session at this address on the Stripe dev server. It may have been made before the server was reset; start again from the site.</p>`);
}
