import { createHmac } from 'node:crypto';
import type { Request } from 'express';

declare module 'express-session' {
  interface SessionData {
    /**
     * Which account signed in with a passkey in this session, and when (ADMIN_REQUIRE_PASSKEY).
     * The account is kept beside the time because a sign-in keeps the session's data: a later
     * password sign-in to another account in the same browser must not inherit the proof.
     */
    passkeyProof?: { accountId: string; at: number };
    /** Set by a sign-in's options request so that an anonymous reader's session is kept until the answer. */
    passkeySignInAskedAt?: number;
  }
}

/** When this session's signed-in account last proved one of its passkeys; undefined if it has not. */
export function passkeyProvenAt(req: Request): number | undefined {
  const proof = req.session?.passkeyProof;
  if (proof === undefined || req.user === undefined || proof.accountId !== req.user.id) return undefined;
  return proof.at;
}

/** What a challenge is bound to: this session, by a keyed hash of its id (never the id itself). */
export function sessionBinding(req: Request, secret: string): string {
  return createHmac('sha256', secret).update(`passkey-challenge\n${req.sessionID}`).digest('base64url');
}
