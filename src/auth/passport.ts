import { Passport } from 'passport';

export type Authenticator = InstanceType<typeof Passport>;
import { Strategy as LocalStrategy } from 'passport-local';
import type { Request } from 'express';
import type { Account } from './accounts.repository';
import type { AccountsService } from './accounts.service';
import { emailSchema } from './email';

declare module 'express-session' {
  interface SessionData {
    authAt?: number;
    /**
     * Set when an emailed link removed a password that was set before the mailbox was proven;
     * the landing page and the account page tell the reader until they set a new one.
     */
    passwordRemoved?: { returnTo: string };
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    /** Only the id: article views need no account query. Pages that show more load it. */
    interface User {
      id: string;
    }
  }
}

/** One Passport per app, built here rather than imported as a module-level singleton. */
export function buildPassport(accounts: Pick<AccountsService, 'authenticate'>): Authenticator {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: true }, (email, password, done) => {
      const parsed = emailSchema.safeParse(email);
      if (!parsed.success) {
        done(null, false);
        return;
      }
      accounts.authenticate(parsed.data, password).then((account) => done(null, account ?? false), done);
    }),
  );
  // Only the account id lives in the session.
  passport.serializeUser<string>((account, done) => done(null, account.id));
  passport.deserializeUser<string>((id, done) => done(null, { id }));
  return passport;
}

/** Runs the local strategy; resolves to the account, or false when the credentials do not match. */
export function authenticateLocal(passport: Authenticator, req: Request): Promise<Account | false> {
  return new Promise((resolve, reject) => {
    const handler = passport.authenticate('local', { session: false }, (error: unknown, account: Account | false) => {
      if (error) reject(error);
      else resolve(account);
    }) as (req: Request, res: unknown, next: (error?: unknown) => void) => void;
    handler(req, undefined, reject);
  });
}

/** Signs in with a new session id; keeps what the reader carried (returnTo) across it. */
export function logIn(req: Request, account: Account, now: number): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logIn(account, { keepSessionInfo: true, session: true }, (error) => {
      if (error) return reject(error);
      // Whatever another account accepted is not this one's: reloaded on the next page.
      delete req.session.consents;
      // When the password was last proven, for actions that need a recent sign-in.
      req.session.authAt = now;
      resolve();
    });
  });
}

/** Ends the server-side session entirely, not just the sign-in. */
export function logOutAndDestroy(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    req.logout({ keepSessionInfo: false }, (error) => {
      if (error) return reject(error);
      req.session.destroy((destroyError) => (destroyError ? reject(destroyError) : resolve()));
    });
  });
}
