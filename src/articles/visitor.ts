import type { Request, Response } from 'express';
import { clientAddress } from '../http/network';
import { readerKeyOf, type GatedArticle, type GateMode, type Reader, type ReaderOf } from '../meter/meter.module';
import type { ArticleGate, CrawlerCheck, GiftCheck, InstitutionCheck } from './ports';

export interface Visit {
  readonly reader: Reader;
  readonly mode: GateMode;
}

export type VisitorOf = (req: Request, res: Response, mode: GateMode, article: GatedArticle) => Promise<Visit>;

/**
 * The reader the gate decides for. A reader an institution covers (SPEC section 13) comes
 * first, as the decision's order has it: they are the cookie's or the account's reader,
 * carrying the institution. A verified crawler reads as itself: no reader id, never
 * counted. A link preview (chat apps, social sites) gets what a new reader without an
 * allowance gets, the lead-in, counting nothing and issuing no id. A reader who follows a
 * gift link (`?gift=`, SPEC section 13) comes after both, carrying the link for the gate to
 * admit, with an id on a view so the link knows them. Anyone else, including a crawler claim
 * that fails, is the cookie's reader.
 */
export function buildVisitorOf(deps: { crawlers: CrawlerCheck; readerOf: ReaderOf; gate: Pick<ArticleGate, 'anonymousAccessOf'>; institutions?: InstitutionCheck; gifts?: GiftCheck }): VisitorOf {
  const { institutions, gifts } = deps;
  /**
   * A covered reader without a cookie gets their id on a counted view (so the institution's
   * monthly figures know them), issued uncapped at once: an institution's readers are exempt
   * from `newReadersPerNetwork`, never counted against their network nor capped by it. A
   * peek needs no id and asks nothing of the bound.
   */
  const coveredReader = async (req: Request, res: Response, mode: GateMode, institution: { id: string; name: string }): Promise<Reader> => {
    const base = await deps.readerOf(req, res, mode === 'count' ? 'view' : 'known');
    const { newReader, capped: _capped, ...reader } = base;
    newReader?.issue(false);
    return { ...reader, institution: { id: institution.id, name: institution.name, countReader: (key) => institutions!.countReader(institution.id, key) } };
  };
  return async (req, res, mode, article) => {
    const { access, metered } = await deps.gate.anonymousAccessOf(article);
    // Free articles are free to all: no institution need be looked up for them.
    if (institutions !== undefined && access !== 'free') {
      const institution = await institutions.institutionOf(req);
      if (institution !== undefined) return { reader: await coveredReader(req, res, mode, institution), mode };
    }
    // A signed-in reader is that reader, whatever their User-Agent says; a free article is
    // free to all: neither needs a crawler verified (nor waits on DNS for one).
    if (req.user === undefined && access !== 'free') {
      const userAgent = req.get('user-agent');
      if ((await deps.crawlers.verify(userAgent, clientAddress(req))).verified) return { reader: { crawler: true }, mode };
      if (deps.crawlers.isLinkPreview(userAgent)) return { reader: { capped: true }, mode: mode === 'count' ? 'preview' : mode };
    }
    const giftToken = gifts === undefined || access === 'free' ? undefined : giftTokenOf(req);
    if (giftToken !== undefined) {
      const reader = await deps.readerOf(req, res, mode === 'count' ? 'view' : 'peek');
      return { reader: { ...reader, gift: { admit: (count) => gifts!.admit(giftToken, article.slug, readerKeyOf(reader), count) } }, mode };
    }
    // A reader id is issued (and counted against the network's bound) only for a view that
    // meters: a cookieless feed reader opening free articles must not cap its network.
    if (!metered) return { reader: await deps.readerOf(req, res, 'known'), mode };
    return { reader: await deps.readerOf(req, res, mode === 'count' ? 'view' : 'peek'), mode };
  };
}

/** The `?gift=` token of the request, if it has one (the first, when sent twice). */
export function giftTokenOf(req: Request): string | undefined {
  const value = req.query.gift;
  const token = Array.isArray(value) ? value[0] : value;
  return typeof token === 'string' && token.length > 0 && token.length <= 64 ? token : undefined;
}
