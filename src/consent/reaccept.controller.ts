import { Router, type RequestHandler } from 'express';
import MarkdownIt from 'markdown-it';
import { z } from 'zod';
import type { Csrf } from '../http/csrf';
import { safeReturnTo } from '../http/return-to';
import { documentTitle, reacceptHeading, reacceptWording, type AcceptedVersions, type ConsentService } from './consent.service';
import type { Policy } from './policies.repository';
import type { Messages } from '../http/i18n';

declare module 'express-session' {
  interface SessionData {
    /** The versions this signed-in reader has accepted, loaded once per session. */
    consents?: AcceptedVersions;
  }
}

// Pages a reader can reach without accepting: the documents themselves, their own data and
// account (to leave, if they do not agree), JSON APIs and machine endpoints.
const exempt = /^\/(terms|privacy|static\/|account|api\/|admin\/api\/|webhooks\/|healthz|readyz|policies\/accept|signout)/;

export function reacceptRoutes(consent: ConsentService, csrf: Csrf, messages: Messages): { gate: RequestHandler; routes: Router } {
  const markdown = new MarkdownIt({ html: false, linkify: true });

  function render(res: Parameters<RequestHandler>[1], req: Parameters<RequestHandler>[0], pending: Policy[], returnTo: string, status = 200) {
    res.status(status).set('Cache-Control', 'private, no-store');
    res.render('reaccept', {
      title: reacceptHeading(messages, pending),
      // The wording shown is the wording recorded (ConsentService.accept): one function makes both.
      pending: pending.map((p) => ({ ...p, title: documentTitle(messages, p.document), html: markdown.render(p.body), wording: reacceptWording(messages, p) })),
      returnTo,
      csrfToken: csrf.token(req),
    });
  }

  /**
   * Before reading on, a signed-in reader accepts versions that took effect since they last
   * did. HEAD is gated as GET is: Express answers HEAD with the GET handlers.
   */
  const gate: RequestHandler = async (req, res, next) => {
    if (req.user === undefined || (req.method !== 'GET' && req.method !== 'HEAD') || exempt.test(req.path)) return next();
    req.session.consents ??= await consent.acceptedBy(req.user.id);
    const pending = await consent.pending(req.session.consents);
    if (pending.length === 0) return next();
    render(res, req, pending, req.originalUrl);
  };

  const routes = Router();
  const form = z.object({ terms: z.string().max(64).optional(), privacy: z.string().max(64).optional(), returnTo: z.string().max(2048).optional() });
  routes.post('/policies/accept', async (req, res) => {
    if (req.user === undefined) return res.redirect(303, '/signin');
    const input = form.safeParse(req.body ?? {});
    const returnTo = safeReturnTo(input.success ? input.data.returnTo : undefined);
    const accepted = req.session.consents ?? (await consent.acceptedBy(req.user.id));
    const pending = await consent.pending(accepted);
    // Only what the reader was shown is recorded; if a newer version appeared meanwhile, show it.
    const shown = input.success ? input.data : {};
    if (pending.some((p) => shown[p.document] !== p.version)) return render(res, req, pending, returnTo, 409);
    if (pending.length > 0) await consent.accept(req.user.id, pending);
    req.session.consents = { ...accepted, ...Object.fromEntries(pending.map((p) => [p.document, p.version])) };
    res.redirect(303, returnTo);
  });
  return { gate, routes };
}
