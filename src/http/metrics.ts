import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestHandler } from 'express';

/**
 * The service's Prometheus metrics, in a registry of its own (no module-level default
 * registry): HTTP durations by route and status, access decisions, meter store errors,
 * webhook events, and Node's default process metrics.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly accessDecisions = new Counter({
    name: 'gatehouse_access_decisions_total',
    help: 'Article access decisions by kind',
    labelNames: ['decision'] as const,
    registers: [this.registry],
  });
  readonly meterStoreErrors = new Counter({
    name: 'gatehouse_meter_store_errors_total',
    help: 'Views decided by onStoreFailure because the meter store could not be reached',
    registers: [this.registry],
  });
  readonly crawlerVerifications = new Counter({
    name: 'gatehouse_crawler_verifications_total',
    help: 'Requests claiming a search-engine crawler, by crawler and verification result',
    labelNames: ['crawler', 'result'] as const,
    registers: [this.registry],
  });
  readonly webhookEvents = new Counter({
    name: 'gatehouse_webhook_events_total',
    help: 'Stripe webhook events by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Times every request; the route label is the matched pattern, never the raw path. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path;
        end({ method: req.method, route: route ? `${req.baseUrl}${route}` : res.statusCode === 404 ? 'unmatched' : 'other', status: String(res.statusCode) });
      });
      next();
    };
  }
}
