import { Router } from 'express';
import MarkdownIt from 'markdown-it';
import { z } from 'zod';
import { documentTitle, type ConsentService } from './consent.service';
import { AppError } from '../http/app-error';
import type { Messages } from '../http/i18n';

const versionQuery = z.object({ version: z.string().min(1).max(64).optional() });

/** `/terms` and `/privacy`: the version in force, or `?version=` any published one. */
export function policyRoutes(consent: Pick<ConsentService, 'document'>, messages: Messages): Router {
  const router = Router();
  const markdown = new MarkdownIt({ html: false, linkify: true });

  for (const document of ['terms', 'privacy'] as const) {
    router.get(`/${document}`, async (req, res) => {
      const query = versionQuery.safeParse(req.query);
      if (!query.success) throw new AppError(400, messages.t('policy.versionInvalid'));
      const policy = await consent.document(document, query.data.version);
      const title = documentTitle(messages, document);
      if (policy === undefined) {
        const unpublished = document === 'terms' ? 'policy.unpublishedTerms' : 'policy.unpublishedPrivacy';
        throw new AppError(404, query.data.version ? messages.t('policy.noSuchVersion', { version: query.data.version, document: title }) : messages.t(unpublished));
      }
      res.render('policy', { title, policy, html: markdown.render(policy.body) });
    });
  }
  return router;
}
