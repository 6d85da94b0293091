import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Config } from '../../config/config';
import { systemClock } from '../../config/clock';
import type { CliOutput } from '../cli-output';
import { devFilesIn, forgetState, loadOrCreateSecrets, loadState, saveState, writeEnvFile } from './dev-files';
import { priceFlagFormat, pricesOf } from './price-flags';
import { describePrice, priceName } from './price-format';
import { priceObject } from './stripe-objects';
import { StripeDevServer } from './stripe-dev.server';
import type { WebhookAttempt } from './webhook-sender';

export const stripeDevUsage = `Usage: gatehouse stripe-dev [--port 12111] [--app <url>] [--price <price>]... [--reset]

Runs a local server shaped like Stripe (its API, Checkout, the billing portal and webhooks)
and prints the settings that point this instance at it.
  --port   where it listens (default 12111; 0: any free port)
  --app    the instance's address, where webhooks go (default PUBLIC_URL, else http://localhost:PORT)
  --price  a price to sell, repeatable: ${priceFlagFormat}
           (default: price_dev_monthly, 5.00 EUR a month, and price_dev_yearly, 50.00 EUR a year)
  --reset  forget the customers and subscriptions of earlier runs (the secrets are kept)
`;

const optionsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(12111),
  app: z.url({ protocol: /^https?$/ }).optional(),
});

function describeAttempt(a: WebhookAttempt): string {
  const answer = a.status === undefined ? `no answer (${a.error})` : `${a.status}`;
  const next = a.retryInMs === undefined ? '' : `; trying again in ${Math.round(a.retryInMs / 1000)} s`;
  const gaveUp = a.retryInMs === undefined && a.status === undefined ? '; gave up' : '';
  return `webhook ${a.type} ${a.eventId} (attempt ${a.attempt}): ${answer}${next}${gaveUp}`;
}

/** `gatehouse stripe-dev`: runs until `untilStopped` resolves (SIGINT or SIGTERM), then stops cleanly. */
export async function stripeDevCommand(args: readonly string[], config: Config, io: CliOutput, untilStopped: () => Promise<unknown>): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: { port: { type: 'string' }, app: { type: 'string' }, price: { type: 'string', multiple: true }, reset: { type: 'boolean' } }, strict: true, allowPositionals: false });
  } catch (error) {
    io.err(`gatehouse: ${(error as Error).message}\n\n${stripeDevUsage}`);
    return 2;
  }
  const options = optionsSchema.safeParse(parsed.values);
  const prices = pricesOf(parsed.values.price ?? []);
  const problems = [...(options.success ? [] : options.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`)), ...('problems' in prices ? prices.problems : [])];
  if (!options.success || 'problems' in prices) {
    io.err(`gatehouse: ${problems.join('\n')}\n\n${stripeDevUsage}`);
    return 2;
  }
  const appUrl = new URL(options.data.app ?? config.publicUrl.href);
  const files = devFilesIn(config.dataDir);
  const secrets = loadOrCreateSecrets(files);
  if (parsed.values.reset) forgetState(files);
  const kept = loadState(files);
  if (kept.problem) io.err(`gatehouse: ${kept.problem}`);

  const server = new StripeDevServer({
    ...secrets,
    prices: prices.prices,
    clock: systemClock,
    webhookEndpoint: new URL('/webhooks/stripe', appUrl),
    onWebhookAttempt: (attempt) => (attempt.status !== undefined && attempt.status < 300 ? io.out : io.err)(describeAttempt(attempt)),
    state: kept.state,
    saveState: (state) => saveState(files, state),
  });
  try {
    await server.listen(options.data.port);
  } catch (error) {
    const code = (error as { code?: string }).code;
    io.err(code === 'EADDRINUSE' ? `gatehouse: port ${options.data.port} is in use; choose another with --port` : `gatehouse: ${(error as Error).message}`);
    return 1;
  }
  const settings = [`STRIPE_API_URL=${server.url}`, `STRIPE_SECRET_KEY=${secrets.secretKey}`, `STRIPE_WEBHOOK_SECRET=${secrets.webhookSecret}`];
  writeEnvFile(files, settings);
  const now = Math.floor(systemClock() / 1000);
  const width = Math.max(...prices.prices.map((p) => p.id.length));
  io.out(`Stripe dev server listening on ${server.url}, sending webhooks to ${new URL('/webhooks/stripe', appUrl).href}`);
  io.out('');
  io.out(`Start Gatehouse with these settings (also written to ${files.envFile}):`);
  for (const line of settings) io.out(line);
  io.out('');
  io.out('For example, in another terminal:');
  io.out(`  ${settings.join(' ')} npm start`);
  io.out('');
  io.out('Prices on sale (add them as plans in the admin, /admin, by these ids):');
  for (const spec of prices.prices) {
    const price = priceObject(spec, now);
    io.out(`  ${spec.id.padEnd(width)}  ${priceName(price)}: ${describePrice(price)}${spec.trialDays === null ? '' : `, ${spec.trialDays} days free`}`);
  }
  io.out('');
  io.out('Pay with the Pay button on its Checkout page (no card is asked for). Press Ctrl+C to stop.');

  await untilStopped();
  await server.stop();
  io.out('Stripe dev server stopped.');
  return 0;
}
