import type { Request, Response } from 'express';
import { withoutGiftParam, type OriginChrome } from './origin-proxy';
import type { PlansForDisplay } from '../ports';
import { accountOfferFor } from '../article-page';

/** A template of Gatehouse's views rendered to a string (the app's view engine). */
function renderView(req: Request, view: string, model: object): Promise<string> {
  return new Promise((resolve, reject) => req.app.render(view, model, (error: Error | null, html?: string) => (error ? reject(error) : resolve(html!))));
}

/** The account bar and the gate Gatehouse adds to an origin page, from the same templates as its own pages. */
export function buildOriginChrome(deps: { readonly csrfToken: (req: Request) => string; readonly plans: PlansForDisplay; readonly billingConfigured: boolean }): OriginChrome {
  // The anonymous bar differs only by the address it returns to: kept per address, briefly bounded.
  const anonymousBars = new Map<string, string>();
  return {
    async accountBar(req, _res, options = {}) {
      // A gift link's token is never carried on to sign-in or sign-up.
      const returnTo = withoutGiftParam(req.originalUrl);
      if (req.user !== undefined) return renderView(req, 'origin-account-bar', { account: req.user, csrfToken: deps.csrfToken(req), returnTo, giftPath: options.giftPath });
      let bar = anonymousBars.get(returnTo);
      if (bar === undefined) {
        bar = await renderView(req, 'origin-account-bar', { account: undefined, returnTo });
        if (anonymousBars.size >= 1000) anonymousBars.clear();
        if (returnTo.length <= 512) anonymousBars.set(returnTo, bar);
      }
      return bar;
    },
    async giftOffer(req, _res, returnTo) {
      const html = await renderView(req, 'gift-offer', { returnTo, csrfToken: deps.csrfToken(req) });
      return `<div class="gatehouse">${html}</div>`;
    },
    async gate(req, _res, model) {
      const plans = model.result.decision === 'paywall' ? await deps.plans.listForDisplay(req.user?.id) : [];
      const account = req.user;
      const html = await renderView(req, 'gate', {
        gate: model.result.decision,
        article: { access: model.access },
        plans,
        billingConfigured: deps.billingConfigured,
        account,
        csrfToken: model.forms ? deps.csrfToken(req) : '',
        returnTo: model.returnTo,
        accountOffer: accountOfferFor(model.result.settings),
      });
      return `<div class="gatehouse">${html}</div>`;
    },
  };
}
