import { describeMode, modes } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, submitForm } from '../support/http';
import { mailMatching, mailsTo } from '../support/email-links';
import { consentWording as wordingIn } from '../../src/auth/accounts.service';
import { buildMessages } from '../../src/http/i18n';

const consentWording = wordingIn(buildMessages('en'));
import { newUser, startOidcHarness, type Agent, type OidcHarness } from '../support/oidc-provider/harness';

const verifyLink = /https?:\/\/\S+(\/signin\/oidc\/verify\/[A-Za-z0-9_-]{43})/;
const linkedMail = /Test Provider was linked to your|A Test Provider account .* was linked to your/;

for (const mode of modes) {
  describeMode(mode)(`continue with a provider (${mode})`, () => {
    let h: OidcHarness;
    // Moved forward by a test that needs a sign-in to be old; put back when it ends.
    let clockOffsetMs = 0;
    beforeAll(async () => {
      h = await startOidcHarness(mode, {}, [], { clock: () => Date.now() + clockOffsetMs });
    }, 60_000);
    afterAll(() => h.close());

    const db = () => h.t.deps.database.db;
    const me = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body as { signedIn: boolean; email: string | null; emailVerified: boolean };
    const identitiesOf = (email: string) =>
      db().selectFrom('identities').innerJoin('accounts', 'accounts.id', 'identities.account_id').select(['identities.id', 'identities.provider', 'identities.subject', 'identities.last_used_at']).where('accounts.email', '=', email).execute();
    /** Posts a confirm page's form as the browser would: its CSRF token and the policy versions it shows. */
    const submitConfirm = async (agent: Agent, path: string) => {
      const page = await agent.get(path).expect(200);
      const fields: Record<string, string> = { _csrf: csrfTokenIn(page.text) };
      for (const [, name, value] of page.text.matchAll(/name="(termsVersion|privacyVersion)" value="([^"]*)"/g)) fields[name!] = value!;
      return { page, post: () => agent.post(path).type('form').send(fields) };
    };
    /** A new reader through "Create your free account". */
    const signUpWith = async (user = newUser(), returnTo = '/') => {
      const agent = h.agent();
      const back = await h.continueWith(agent, 'op', user, returnTo);
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/signin/oidc/confirm');
      const { post } = await submitConfirm(agent, '/signin/oidc/confirm');
      const created = await post();
      expect(created.status).toBe(303);
      return { agent, user, created };
    };
    /** A reader who signed up with a password; `verified` as if they had followed the mailed confirmation. */
    const passwordReader = async (verified = false, email = newEmail()) => {
      const agent = h.agent();
      const done = await submitForm(agent, '/signup', '/signup', { email, password: goodPassword, returnTo: '/' });
      expect(done.status).toBe(303);
      if (verified) await db().updateTable('accounts').set({ email_verified_at: new Date().toISOString() }).where('email', '=', email).execute();
      return { agent, email };
    };

    it('when a new reader continues with a provider, then they confirm on a page with the consent line, and the account, its consents (signup-oidc, the wording shown) and its identity are made', async () => {
      const agent = h.agent();
      const user = newUser();
      const back = await h.continueWith(agent, 'op', user, '/articles/harbour-bridge-reopens');
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/signin/oidc/confirm');
      expect((await me(agent)).signedIn).toBe(false);

      const { page, post } = await submitConfirm(agent, '/signin/oidc/confirm');
      expect(page.text).toContain('Create your free account');
      expect(page.text).toContain(user.email);
      expect(page.text).toContain('By continuing you agree to our <a href="/privacy">Privacy Policy</a> and <a href="/terms">Terms of Use</a>.');
      const created = await post();
      expect(created.status).toBe(303);
      expect(created.headers.location).toBe('/articles/harbour-bridge-reopens');
      expect(await me(agent)).toMatchObject({ signedIn: true, email: user.email, emailVerified: true });

      const account = (await h.t.deps.auth.accountsRepository.findByEmail(user.email))!;
      expect(account.hasPassword).toBe(false);
      const consents = await db().selectFrom('consents').select(['document', 'method', 'wording']).where('account_id', '=', account.id).orderBy('document').execute();
      expect(consents).toEqual([
        { document: 'privacy', method: 'signup-oidc', wording: consentWording },
        { document: 'terms', method: 'signup-oidc', wording: consentWording },
      ]);
      expect(await identitiesOf(user.email)).toEqual([expect.objectContaining({ provider: 'op', subject: user.sub })]);
      // The confirmation is spent: the page no longer offers it.
      expect((await agent.get('/signin/oidc/confirm')).status).toBe(400);
    });

    it('when two confirmations of one sign-up race, then one account is made and the other is told the page no longer works', async () => {
      const agent = h.agent();
      const user = newUser();
      await h.continueWith(agent, 'op', user);
      const { post } = await submitConfirm(agent, '/signin/oidc/confirm');
      const answers = await Promise.all([post(), post(), post()]);
      expect(answers.map((a) => a.status).sort()).toEqual([303, 400, 400]);
      const accounts = await db().selectFrom('accounts').select('id').where('email', '=', user.email).execute();
      expect(accounts).toHaveLength(1);
      expect(await identitiesOf(user.email)).toHaveLength(1);
    });

    it('when the policies change while the confirm page is open, then 409 and the page again with the new versions', async () => {
      const agent = h.agent();
      await h.continueWith(agent, 'op', newUser());
      const page = await agent.get('/signin/oidc/confirm').expect(200);
      const stale = await agent.post('/signin/oidc/confirm').type('form').send({ _csrf: csrfTokenIn(page.text), termsVersion: 'not-the-current-one', privacyVersion: 'nor-this' });
      expect(stale.status).toBe(409);
      expect(stale.text).toContain('changed while you were on this page');
    });

    it('when a linked identity comes back, then it signs in to its account (a new session), updates last use, and returns to returnTo', async () => {
      const { user } = await signUpWith();
      const before = (await identitiesOf(user.email))[0]!.last_used_at;
      const agent = h.agent();
      await agent.get('/articles/harbour-bridge-reopens');
      const back = await h.continueWith(agent, 'op', user, '/articles/care-home-contracts?page=2');
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/articles/care-home-contracts?page=2');
      expect(await me(agent)).toMatchObject({ signedIn: true, email: user.email });
      const after = (await identitiesOf(user.email))[0]!.last_used_at;
      expect(after! >= before!).toBe(true);
    });

    it('when the returnTo is off-site, then the reader lands on the front page', async () => {
      const { user } = await signUpWith();
      const back = await h.continueWith(h.agent(), 'op', user, 'https://evil.example/phish');
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/');
      const schemeless = await h.continueWith(h.agent(), 'op', user, '//evil.example/phish');
      expect(schemeless.headers.location).toBe('/');
    });

    it('when an account has the email and the provider says it is verified, then the identity is linked and the reader signed in', async () => {
      const { email } = await passwordReader(true);
      const user = { ...newUser(true), email };
      const agent = h.agent();
      const back = await h.continueWith(agent, 'op', user, '/articles/harbour-bridge-reopens');
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/articles/harbour-bridge-reopens');
      expect(await me(agent)).toMatchObject({ signedIn: true, email, emailVerified: true });
      expect(await identitiesOf(email)).toEqual([expect.objectContaining({ subject: user.sub })]);
      expect((await h.t.deps.auth.accountsRepository.findByEmail(email))!.hasPassword).toBe(true);
      // A new way in: its owner is told.
      expect(await mailMatching(h.t.deps.config.dataDir, email, linkedMail)).toContain('/account');
    });

    it('when the account with that email was never confirmed, then the provider\'s proof of the mailbox removes the password set before it and ends its sessions, as an emailed link does', async () => {
      const squatter = await passwordReader(false);
      const user = { ...newUser(true), email: squatter.email };
      const owner = h.agent();
      const back = await h.continueWith(owner, 'op', user, '/articles/harbour-bridge-reopens');
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/signin/email/password-removed');
      expect(await me(owner)).toMatchObject({ signedIn: true, email: squatter.email, emailVerified: true });
      expect((await h.t.deps.auth.accountsRepository.findByEmail(squatter.email))!.hasPassword).toBe(false);
      expect(await me(squatter.agent)).toMatchObject({ signedIn: false });
    });

    it('when an account has the email and the provider does not say it is verified, then nothing is linked until the mailed link is followed in the same browser', async () => {
      const { email } = await passwordReader(true);
      const user = { ...newUser(false), email };
      const agent = h.agent();
      const back = await h.continueWith(agent, 'op', user, '/articles/care-home-contracts');
      expect(back.status).toBe(200);
      expect(back.text).toContain('Check your email');
      expect(await me(agent)).toMatchObject({ signedIn: false });
      expect(await identitiesOf(email)).toEqual([]);

      const mail = await mailMatching(h.t.deps.config.dataDir, email, verifyLink);
      const link = verifyLink.exec(mail)![1]!;
      // Whoever reads the mail in another browser cannot link the provider's identity to the account.
      const elsewhere = h.agent();
      const refused = await elsewhere.get(link);
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('Open this link where you started');
      const form = await elsewhere.get('/signin/email').expect(200);
      const forged = await elsewhere.post(link).type('form').send({ _csrf: csrfTokenIn(form.text) });
      expect(forged.status).toBe(400);
      expect(await identitiesOf(email)).toEqual([]);

      const { page, post } = await submitConfirm(agent, link);
      expect(page.text).toContain('link your Test Provider account');
      const done = await post();
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/articles/care-home-contracts');
      expect(await me(agent)).toMatchObject({ signedIn: true, email });
      expect(await identitiesOf(email)).toEqual([expect.objectContaining({ subject: user.sub })]);
      expect((await agent.get(link)).status).toBe(400);
    });

    it('when a new reader has an email the provider did not verify, then the account is made only after the mailed link, with the consent line, and its email is verified', async () => {
      const user = newUser('false');
      const agent = h.agent();
      const back = await h.continueWith(agent, 'op', user);
      expect(back.status).toBe(200);
      expect(back.text).toContain('Check your email');
      expect(await h.t.deps.auth.accountsRepository.findByEmail(user.email)).toBeUndefined();
      const link = verifyLink.exec(await mailMatching(h.t.deps.config.dataDir, user.email, verifyLink))![1]!;
      const { page, post } = await submitConfirm(agent, link);
      expect(page.text).toContain('Create your free account');
      expect((await post()).status).toBe(303);
      expect(await me(agent)).toMatchObject({ signedIn: true, email: user.email, emailVerified: true });
    });

    it('when a signed-in reader links a provider from the account page (a form, a recent sign-in), then it is linked, listed, and the owner is mailed', async () => {
      const { agent, email } = await passwordReader();
      const user = newUser(false);
      const back = await h.linkWith(agent, 'op', user);
      expect(back.status).toBe(303);
      expect(back.headers.location).toBe('/account#identities');
      const page = await agent.get('/account').expect(200);
      expect(page.text).toContain('Test Provider');
      expect(page.text).toContain(user.email);
      expect(page.text).toMatch(/<form method="post" action="\/account\/identities\/link\/apple" class="inline-form">\s*<input type="hidden" name="_csrf" value="[^"]+">\s*<button type="submit" class="button button--secondary">Link Apple<\/button>/);
      expect(page.text).not.toContain('Link Test Provider');
      expect(page.text).not.toContain('href="/signin/oidc/');
      expect(await identitiesOf(email)).toEqual([expect.objectContaining({ subject: user.sub })]);
      const mail = await mailMatching(h.t.deps.config.dataDir, email, linkedMail);
      expect(mail).toContain(user.email);
      const exported = await agent.get('/account/data.json').expect(200);
      expect(exported.body.identities).toEqual([{ provider: 'op', email: user.email, linkedAt: expect.any(String) }]);
      // Signing in with it now opens this account, whatever email the provider has.
      const other = h.agent();
      await h.continueWith(other, 'op', user);
      expect(await me(other)).toMatchObject({ signedIn: true, email });
    });

    it('when a signed-in reader follows GET /signin/oidc/:provider (a stolen session, a link from another site), then nothing is linked to their account', async () => {
      const { agent, email } = await passwordReader(true);
      const attackers = newUser(false);
      const back = await h.continueWith(agent, 'op', attackers, '/account');
      // An identity nobody knows, with an email nobody proved: the mailed-link path, as for anyone.
      expect(back.status).toBe(200);
      expect(back.text).toContain('Check your email');
      expect(await identitiesOf(email)).toEqual([]);
      expect(mailsTo(h.t.deps.config.dataDir, email).filter((m) => linkedMail.test(m))).toEqual([]);
      const signedInAs = await me(agent);
      expect(signedInAs).toMatchObject({ signedIn: true, email });
    });

    it('when the link form comes without its CSRF token, or from a reader not signed in, then nothing starts', async () => {
      const { agent, email } = await passwordReader();
      const forged = await agent.post('/account/identities/link/op').type('form').send({});
      expect(forged.status).toBe(403);
      expect(forged.headers.location).toBeUndefined();
      const anonymous = h.agent();
      const form = await anonymous.get('/signin').expect(200);
      const out = await anonymous.post('/account/identities/link/op').type('form').send({ _csrf: csrfTokenIn(form.text) });
      expect(out.status).toBe(303);
      expect(out.headers.location).toBe('/signin?returnTo=%2Faccount%23identities');
      const page = await agent.get('/account').expect(200);
      expect((await agent.post('/account/identities/link/nobody').type('form').send({ _csrf: csrfTokenIn(page.text) })).status).toBe(404);
      expect(await identitiesOf(email)).toEqual([]);
    });

    it('when the last sign-in is older than 15 minutes, then linking asks to sign in again; after a new sign-in it links', async () => {
      const { agent, email } = await passwordReader();
      const user = newUser(false);
      clockOffsetMs = 15 * 60 * 1000 + 1_000;
      try {
        const refused = await h.linkWith(agent, 'op', user);
        expect(refused.status).toBe(403);
        expect(refused.text).toContain('Sign in again to link Test Provider');
        expect(refused.text).toContain('href="/signin?reauth=1&amp;returnTo=%2Faccount%23identities"');
        expect(refused.text).toContain('href="/signin/email?returnTo=%2Faccount%23identities"');
        expect(await identitiesOf(email)).toEqual([]);
        const again = await submitForm(agent, '/signin?reauth=1', '/signin', { email, password: goodPassword, returnTo: '/account' });
        expect(again.status).toBe(303);
        const linked = await h.linkWith(agent, 'op', user);
        expect(linked.status).toBe(303);
        expect(await identitiesOf(email)).toEqual([expect.objectContaining({ subject: user.sub })]);
      } finally {
        clockOffsetMs = 0;
      }
    });

    it('when a signed-in reader links an identity linked to another account, then it is refused with a readable page', async () => {
      const { user } = await signUpWith();
      const { agent, email } = await passwordReader();
      const back = await h.linkWith(agent, 'op', user);
      expect(back.status).toBe(409);
      expect(back.text).toContain('linked to another account');
      expect(await identitiesOf(email)).toEqual([]);
      expect(await me(agent)).toMatchObject({ signedIn: true, email });
    });

    it('when a reader unlinks, then only their own identity goes, and never their last way in', async () => {
      const { agent, email } = await passwordReader();
      const user = newUser();
      expect((await h.linkWith(agent, 'op', user)).status).toBe(303);
      const [identity] = await identitiesOf(email);
      const unlink = async (who: Agent, id: string) => {
        const page = await who.get('/account').expect(200);
        return who.post(`/account/identities/${id}/unlink`).type('form').send({ _csrf: csrfTokenIn(page.text) });
      };
      // Another reader cannot unlink it.
      const stranger = await passwordReader();
      expect((await unlink(stranger.agent, identity!.id)).status).toBe(404);
      // Without a password, another identity, a passkey or a verified email, it is the only way in.
      await db().updateTable('accounts').set({ password_hash: '', email_verified_at: null }).where('email', '=', email).execute();
      const refused = await unlink(agent, identity!.id);
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('This is your only way in');
      expect(await identitiesOf(email)).toHaveLength(1);
      // A verified email can always get an emailed link: then it may go.
      await db().updateTable('accounts').set({ email_verified_at: new Date().toISOString() }).where('email', '=', email).execute();
      const done = await unlink(agent, identity!.id);
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/account');
      expect(await identitiesOf(email)).toEqual([]);
      // Without the form's token, nothing happens.
      const again = await agent.post(`/account/identities/${identity!.id}/unlink`).type('form').send({});
      expect(again.status).toBe(403);
    });

    it('when two identities are the only ways in and both are unlinked at once, then one stays', async () => {
      const { agent, email } = await passwordReader();
      expect((await h.linkWith(agent, 'op', newUser())).status).toBe(303);
      expect((await h.linkWith(agent, 'op', newUser())).status).toBe(303);
      await db().updateTable('accounts').set({ password_hash: '', email_verified_at: null }).where('email', '=', email).execute();
      const ids = (await identitiesOf(email)).map((i) => i.id);
      expect(ids).toHaveLength(2);
      const page = await agent.get('/account').expect(200);
      const token = csrfTokenIn(page.text);
      const answers = await Promise.all(ids.map((id) => agent.post(`/account/identities/${id}/unlink`).type('form').send({ _csrf: token })));
      expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
      expect(await identitiesOf(email)).toHaveLength(1);
    });

    it('when an account made with a provider is deleted, then its identities go with it, and the identity signs up afresh', async () => {
      const { agent, user } = await signUpWith();
      const account = (await h.t.deps.auth.accountsRepository.findByEmail(user.email))!;
      const form = await agent.get('/account/delete').expect(200);
      const done = await agent.post('/account/delete').type('form').send({ _csrf: csrfTokenIn(form.text) });
      expect(done.status).toBe(200);
      expect(done.text).toContain('Your account has been deleted');
      expect(await db().selectFrom('identities').select('id').where('account_id', '=', account.id).execute()).toEqual([]);
      const back = await h.continueWith(h.agent(), 'op', user);
      expect(back.headers.location).toBe('/signin/oidc/confirm');
    });

    it('when the pages show the providers, then each has an accessible "Continue with" link that keeps the returnTo', async () => {
      const page = await h.agent().get('/signin?returnTo=%2Farticles%2Fcare-home-contracts').expect(200);
      expect(page.text).toContain('<a class="button button--secondary" href="/signin/oidc/op?returnTo=%2Farticles%2Fcare-home-contracts">Continue with Test Provider</a>');
      expect(page.text).toContain('Continue with Apple');
    });
  });
}
