import { Router } from 'express';
import MarkdownIt from 'markdown-it';
import { z } from 'zod';
import { documentTitles as titles, type PoliciesRepository } from './policies.repository';
import { AppError } from '../http/app-error';

const versionQuery = z.object({ version: z.string().min(1).max(64).optional() });

export function policyRoutes(policies: PoliciesRepository, clock: () => Date = () => new Date()): Router {
  const router = Router();
  const markdown = new MarkdownIt({ html: false, linkify: true });

  for (const document of ['terms', 'privacy'] as const) {
    router.get(`/${document}`, async (req, res) => {
      const query = versionQuery.safeParse(req.query);
      if (!query.success) throw new AppError(400, 'The version asked for is not valid.');
      const policy =
        query.data.version === undefined
          ? await policies.current(document, clock())
          : await policies.byVersion(document, query.data.version);
      if (policy === undefined) {
        throw new AppError(404, query.data.version ? `There is no version "${query.data.version}" of our ${titles[document]}.` : `Our ${titles[document]} has not been published yet.`);
      }
      res.render('policy', { title: titles[document], policy, html: markdown.render(policy.body) });
    });
  }
  return router;
}
