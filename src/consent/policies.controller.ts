import { Router } from 'express';
import MarkdownIt from 'markdown-it';
import { z } from 'zod';
import type { ConsentService } from './consent.service';
import { documentTitles as titles } from './policies.repository';
import { AppError } from '../http/app-error';

const versionQuery = z.object({ version: z.string().min(1).max(64).optional() });

/** `/terms` and `/privacy`: the version in force, or `?version=` any published one. */
export function policyRoutes(consent: Pick<ConsentService, 'document'>): Router {
  const router = Router();
  const markdown = new MarkdownIt({ html: false, linkify: true });

  for (const document of ['terms', 'privacy'] as const) {
    router.get(`/${document}`, async (req, res) => {
      const query = versionQuery.safeParse(req.query);
      if (!query.success) throw new AppError(400, 'The version asked for is not valid.');
      const policy = await consent.document(document, query.data.version);
      if (policy === undefined) {
        throw new AppError(404, query.data.version ? `There is no version "${query.data.version}" of our ${titles[document]}.` : `Our ${titles[document]} has not been published yet.`);
      }
      res.render('policy', { title: titles[document], policy, html: markdown.render(policy.body) });
    });
  }
  return router;
}
