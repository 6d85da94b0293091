import Stripe from 'stripe';
import type { Config } from '../config/config';

/**
 * The Stripe client, built once in the composition root; undefined without a secret key.
 * STRIPE_API_URL points it at another host (a test server, or a proxy), port and protocol included.
 */
export function buildStripe(stripeConfig: Config['stripe']): Stripe | undefined {
  if (stripeConfig.secretKey === undefined) return undefined;
  const url = stripeConfig.apiUrl;
  return new Stripe(stripeConfig.secretKey, {
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: 'Gatehouse' },
    ...(url === undefined
      ? {}
      : {
          host: url.hostname,
          port: url.port || (url.protocol === 'https:' ? 443 : 80),
          protocol: url.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }),
  });
}
