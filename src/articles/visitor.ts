import type { Request, Response } from 'express';
import { clientAddress } from '../http/network';
import type { GatedArticle, GateMode, Reader, ReaderOf } from '../meter/meter.module';
import type { ArticleGate, CrawlerCheck } from './ports';

export interface Visit {
  readonly reader: Reader;
  readonly mode: GateMode;
}

export type VisitorOf = (req: Request, res: Response, mode: GateMode, article: GatedArticle) => Promise<Visit>;

/**
 * The reader the gate decides for. A verified crawler reads as itself: no reader id, never
 * counted. A link preview (chat apps, social sites) gets what a new reader without an
 * allowance gets, the lead-in, counting nothing and issuing no id. Anyone else, including a
 * crawler claim that fails, is the cookie's reader.
 */
export function buildVisitorOf(deps: { crawlers: CrawlerCheck; readerOf: ReaderOf; gate: Pick<ArticleGate, 'anonymousAccessOf'> }): VisitorOf {
  return async (req, res, mode, article) => {
    const { access, metered } = await deps.gate.anonymousAccessOf(article);
    // A signed-in reader is that reader, whatever their User-Agent says; a free article is
    // free to all: neither needs a crawler verified (nor waits on DNS for one).
    if (req.user === undefined && access !== 'free') {
      const userAgent = req.get('user-agent');
      if ((await deps.crawlers.verify(userAgent, clientAddress(req))).verified) return { reader: { crawler: true }, mode };
      if (deps.crawlers.isLinkPreview(userAgent)) return { reader: { capped: true }, mode: mode === 'count' ? 'preview' : mode };
    }
    // A reader id is issued (and counted against the network's bound) only for a view that
    // meters: a cookieless feed reader opening free articles must not cap its network.
    if (!metered) return { reader: await deps.readerOf(req, res, 'known'), mode };
    return { reader: await deps.readerOf(req, res, mode === 'count' ? 'view' : 'peek'), mode };
  };
}
