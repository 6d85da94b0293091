import type { Request, Response } from 'express';
import type { Clock } from '../config/clock';
import { clientAddress } from '../http/network';
import type { Reader } from './gate';
import type { NewReaderBound } from './new-reader-bound';
import { anonymousIdOf, anonymousReaderOf, issueAnonymousId, newAnonymousId } from './reader-cookie';

/** `view`: a counted view; `peek`: HEAD or the JSON API; `known`: a view that needs no reader id (nothing metered). */
export type ReaderOf = (req: Request, res: Response, mode: 'view' | 'peek' | 'known') => Promise<Reader>;

/**
 * Who is reading. An anonymous reader without a cookie is new: on a view they get an id,
 * counted against their network's new-reader bound by the gate's own call to the meter
 * store, which then issues their cookie; a peek (HEAD, the JSON API) asks what a new reader
 * would get and issues nothing.
 */
export function buildReaderOf(deps: { newReaders: NewReaderBound; clock: Clock; secureCookies: boolean }): ReaderOf {
  return async (req, res, mode) => {
    const accountId = req.user?.id;
    if (accountId !== undefined) return { accountId, anonymousId: anonymousIdOf(req) };
    const known = anonymousReaderOf(req, deps.clock());
    if (known !== undefined) return known;
    if (mode === 'known') return {};
    if (mode === 'peek') return { capped: await deps.newReaders.peek(clientAddress(req)) };
    const anonymousId = newAnonymousId();
    const network = deps.newReaders.networkToday(clientAddress(req));
    const issue = (capped: boolean) => issueAnonymousId(res, deps.secureCookies, anonymousId, capped ? network.day : undefined);
    return { anonymousId, newReader: { networkKey: network.key, expireAtMs: network.expireAtMs, issue } };
  };
}
