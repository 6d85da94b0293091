import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import type { Clock } from '../../config/clock';
import { createHttpServer } from '../../http/server';
import { hostedPagesRoutes } from './hosted-pages.routes';
import { apiBody, idempotency, requireSecretKey, stripeApiRoutes, stripeErrors, type StripeApiDeps } from './stripe-api.routes';
import { StripeLedger, type LedgerState } from './stripe-ledger';
import type { PriceSpec } from './stripe-objects';
import { WebhookSender, type WebhookAttempt } from './webhook-sender';

const loopbackHost = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export interface StripeDevServerOptions {
  readonly secretKey: string;
  readonly webhookSecret: string;
  readonly prices: readonly PriceSpec[];
  /** Whether prices the server does not know may be bought (the tests name theirs freely). */
  readonly anyPrice?: boolean;
  readonly clock: Clock;
  /** The app's webhook endpoint; without it, events are not sent (the tests deliver their own). */
  readonly webhookEndpoint?: URL;
  readonly retryDelaysMs?: readonly number[];
  readonly onWebhookAttempt?: (attempt: WebhookAttempt) => void;
  /** The state of an earlier run, and where to keep it after each change. */
  readonly state?: LedgerState;
  readonly saveState?: (state: LedgerState) => void;
  /** The host name in the addresses it hands out (the hosted pages' URLs). */
  readonly urlHost?: string;
  /** Run on each API request before and after the key is checked (the tests' request log and outage switch). */
  readonly beforeKeyCheck?: readonly RequestHandler[];
  readonly afterKeyCheck?: readonly RequestHandler[];
  readonly beforeSubscriptionRead?: StripeApiDeps['beforeSubscriptionRead'];
}

/**
 * A local server shaped like the part of Stripe Gatehouse uses: the API (through
 * STRIPE_API_URL), the hosted Checkout and billing portal pages, and webhooks to the app.
 * `gatehouse stripe-dev` runs it for a publisher; the tests run it as FakeStripe.
 */
export class StripeDevServer {
  readonly ledger: StripeLedger;
  readonly webhooks: WebhookSender | undefined;
  private server: Server | undefined;

  constructor(private readonly options: StripeDevServerOptions) {
    const endpoint = options.webhookEndpoint;
    this.webhooks = endpoint === undefined ? undefined : new WebhookSender({ endpoint, secret: options.webhookSecret, clock: options.clock, retryDelaysMs: options.retryDelaysMs, onAttempt: options.onWebhookAttempt });
    this.ledger = new StripeLedger({ prices: options.prices, anyPrice: options.anyPrice ?? false, clock: options.clock, onEvent: (event) => this.webhooks?.send(event) }, options.state);
  }

  /** Its address, as given to the app (STRIPE_API_URL) and in the hosted pages' links. */
  get url(): string {
    if (this.server === undefined) throw new Error('the Stripe dev server is not listening');
    const { port } = this.server.address() as AddressInfo;
    return `http://${this.options.urlHost ?? 'localhost'}:${port}`;
  }

  app(): Express {
    const app = express();
    app.disable('x-powered-by');
    // Only addressed as this computer: a page elsewhere that rebinds its DNS name to 127.0.0.1 gets nothing.
    app.use((req, res, next) => (loopbackHost.test(req.headers.host ?? '') ? next() : void res.status(421).type('text').send('This server answers only as localhost or 127.0.0.1.')));
    const save = this.options.saveState;
    if (save !== undefined) {
      // Only a POST or DELETE (the API's or a hosted page's) changes anything; once answered, the change is kept.
      app.use((req, res, next) => {
        if (req.method !== 'GET' && req.method !== 'HEAD') res.on('finish', () => save(this.ledger.state()));
        next();
      });
    }
    app.use(hostedPagesRoutes({ ledger: this.ledger }));
    app.use(apiBody);
    for (const handler of this.options.beforeKeyCheck ?? []) app.use(handler);
    app.use(requireSecretKey(this.options.secretKey));
    for (const handler of this.options.afterKeyCheck ?? []) app.use(handler);
    app.use(idempotency());
    app.use(stripeApiRoutes({ ledger: this.ledger, hostedBase: () => this.url, beforeSubscriptionRead: this.options.beforeSubscriptionRead }));
    app.use(stripeErrors);
    return app;
  }

  /** Listens on 127.0.0.1 only: its pages take payments for anyone who reaches them. */
  listen(port: number): Promise<void> {
    const app = this.app();
    return new Promise((resolve, reject) => {
      const server = createHttpServer(app).listen(port, '127.0.0.1');
      server.once('listening', () => {
        this.server = server;
        resolve();
      });
      server.once('error', reject);
    });
  }

  /** Stops sending events, finishes the requests in flight, and keeps the state. */
  async stop(): Promise<void> {
    await this.webhooks?.stop();
    const server = this.server;
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    }
    this.options.saveState?.(this.ledger.state());
  }
}
