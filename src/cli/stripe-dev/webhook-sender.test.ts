import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { eventObject } from './stripe-objects';
import { stripeSignature, WebhookSender, type WebhookAttempt } from './webhook-sender';

const secret = 'whsec_unit_test_secret';
const stripe = new Stripe('sk_test_unused');

/** An endpoint answering each delivery with the next status of `statuses` (the last one from then on). */
async function endpoint(statuses: number[]) {
  const received: { body: string; signature: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['stripe-signature']) });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`);
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function sender(url: URL, retryDelaysMs: number[]) {
  const attempts: WebhookAttempt[] = [];
  return { attempts, sender: new WebhookSender({ endpoint: url, secret, clock: Date.now, retryDelaysMs, onAttempt: (a) => attempts.push(a) }) };
}

const event = () => eventObject('invoice.paid', { id: 'in_1', object: 'invoice' }, Math.floor(Date.now() / 1000));

describe('webhook sender', () => {
  it('when it signs a body, then Stripe\'s own library accepts the signature, and refuses it for another secret', () => {
    const body = JSON.stringify(event());
    const header = stripeSignature(body, secret, Math.floor(Date.now() / 1000));
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(stripe.webhooks.constructEvent(body, header, secret).type).toBe('invoice.paid');
    expect(() => stripe.webhooks.constructEvent(body, header, 'whsec_other')).toThrow();
    expect(() => stripe.webhooks.constructEvent(`${body} `, header, secret)).toThrow();
  });

  it('when the app answers 500 twice, then it tries again with the same event, newly signed, until a 2xx', async () => {
    const app = await endpoint([500, 500, 200]);
    const { sender: s, attempts } = sender(app.url, [1, 1, 1]);
    const sent = event();
    s.send(sent);
    await s.settled();
    await app.close();
    expect(attempts.map((a) => [a.attempt, a.status, a.retryInMs])).toEqual([[1, 500, 1], [2, 500, 1], [3, 200, undefined]]);
    expect(new Set(app.received.map((r) => r.body)).size).toBe(1);
    for (const r of app.received) expect(stripe.webhooks.constructEvent(r.body, r.signature, secret).id).toBe(sent.id);
  });

  it('when the app never answers 2xx, then it gives up after the last delay', async () => {
    const app = await endpoint([503]);
    const { sender: s, attempts } = sender(app.url, [1, 1]);
    s.send(event());
    await s.settled();
    await app.close();
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(attempts.at(-1)?.retryInMs).toBeUndefined();
  });

  it('when nothing listens, then the attempt reports why and is tried again', async () => {
    const app = await endpoint([200]);
    await app.close();
    const { sender: s, attempts } = sender(app.url, [1]);
    s.send(event());
    await s.settled();
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ attempt: 1, error: 'ECONNREFUSED', retryInMs: 1 });
  });

  it('when it is stopped during a backoff, then it stops at once and tries no more', async () => {
    const app = await endpoint([500, 200]);
    const { sender: s, attempts } = sender(app.url, [3_600_000]);
    s.send(event());
    while (attempts.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await s.stop();
    s.send(event());
    await s.settled();
    await app.close();
    expect(app.received).toHaveLength(1);
    expect(attempts).toHaveLength(1);
  });
});
