import request from 'supertest';
import { sql } from 'kysely';
import { accountLockClass } from '../../src/billing/account-lock';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, newEmail, signUp, submitForm, type Agent } from '../support/http';
import { mailMatching, mailsTo, verifyLinkTo } from '../support/email-links';
import { FakeStripe } from '../support/fake-stripe';

const plans = [
  { priceId: 'price_team', name: 'Team', description: 'Three readers and you', seats: 3 },
  { priceId: 'price_solo', name: 'Solo', description: 'Just you' },
  { priceId: 'price_duo', name: 'Duo', description: 'Two readers and you', seats: 2 },
];
const joinLink = /https?:\/\/\S+(\/groups\/join\/[A-Za-z0-9_-]{43})/;

for (const mode of modes) {
  describeMode(mode)(`group subscriptions (${mode})`, () => {
    let stripe: FakeStripe;
    let t: TestApp;

    beforeAll(async () => {
      stripe = new FakeStripe();
      await stripe.start();
      t = await startTestApp(mode, { env: { ...stripe.appEnv(), PUBLIC_URL: 'http://gatehouse.test' } });
      const key = (await t.deps.admin.apiKeys.create('tests')).key;
      await request(t.app).put('/admin/api/plans').set('Authorization', `Bearer ${key}`).send(plans).expect(200);
    });
    afterAll(async () => {
      await t?.close();
      await stripe?.stop();
    });

    const dataDir = () => t.deps.config.dataDir;
    const deliver = (event: Record<string, unknown>) => stripe.deliver(t.app, event);
    const entitlementOf = async (agent: Agent) => (await agent.get('/api/me').expect(200)).body.entitlement as string;

    /** A signed-up reader whose email is confirmed by the mailed link. */
    async function verifiedReader(email = newEmail()) {
      const reader = await signUp(t.app, email);
      const link = await verifyLinkTo(dataDir(), email);
      const page = await reader.agent.get(link).expect(200);
      await reader.agent.post(link).type('form').send({ _csrf: csrfTokenIn(page.text) }).expect(200);
      return reader;
    }

    /** A reader who bought the plan with seats (or another), paid, and whose webhook arrived. */
    async function buyer(priceId = 'price_team') {
      const reader = await verifiedReader();
      const page = await reader.agent.get('/subscribe');
      const started = await reader.agent.post('/subscribe').type('form').send({ priceId, returnTo: '/', _csrf: csrfTokenIn(page.text) }).expect(303);
      const sessionId = /\/c\/pay\/(cs_test_[A-Za-z0-9_]+)/.exec(started.headers.location as string)![1]!;
      const subscription = stripe.completeCheckout(sessionId);
      await deliver(stripe.event('checkout.session.completed', stripe.checkoutSessionObject(sessionId))).expect(200);
      expect(await entitlementOf(reader.agent)).toBe('subscriber');
      return { ...reader, subscription };
    }

    const invite = (owner: Agent, email: string) => submitForm(owner, '/account', '/account/group/invite', { email });

    /** The newest invitation link mailed to `email`, once more than `after` of them have come (mails go out after the answer). */
    async function linkTo(email: string, after = 0): Promise<string> {
      await mailMatching(dataDir(), email, joinLink);
      for (;;) {
        const links = mailsTo(dataDir(), email).filter((mail) => joinLink.test(mail));
        if (links.length > after) return joinLink.exec(links[links.length - 1]!)![1]!;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    async function accept(agent: Agent, path: string) {
      const page = await agent.get(path).expect(200);
      return agent.post(path).type('form').send({ _csrf: csrfTokenIn(page.text) });
    }

    /** An owner with a member who joined. */
    async function groupWithMember() {
      const owner = await buyer();
      const member = await verifiedReader();
      expect((await invite(owner.agent, member.email)).status).toBe(303);
      expect((await accept(member.agent, await linkTo(member.email))).status).toBe(200);
      expect(await entitlementOf(member.agent)).toBe('subscriber');
      return { owner, member };
    }

    it('when the owner invites an email and its reader accepts, then the member reads as a subscriber and the account page lists them; the link works once', async () => {
      const owner = await buyer();
      const account = await owner.agent.get('/account').expect(200);
      expect(account.text).toContain('3 seats, 3 free');
      const member = await verifiedReader();
      const invited = await invite(owner.agent, member.email);
      expect(invited.status).toBe(303);
      expect(invited.headers.location).toBe('/account#group');
      expect((await owner.agent.get('/account')).text).toContain(member.email);
      const path = await linkTo(member.email);

      // A mail scanner fetching the link spends nothing; a reader not signed in is offered the ways in, back to the link.
      const scanned = await request(t.app).get(path).expect(200);
      expect(scanned.headers['cache-control']).toBe('private, no-store');
      expect(scanned.text).toContain(`/signin?returnTo=${encodeURIComponent(path)}`);
      expect(await entitlementOf(member.agent)).toBe('none');
      const anonymous = await request(t.app).post(path).type('form').send({});
      expect(anonymous.status).toBe(403);

      const joined = await accept(member.agent, path);
      expect(joined.status).toBe(200);
      expect(joined.text).toContain('You have joined the group');
      expect(await entitlementOf(member.agent)).toBe('subscriber');
      expect((await member.agent.get('/articles/care-home-contracts')).headers['x-access-decision']).toBe('subscriber');
      const page = (await owner.agent.get('/account')).text;
      expect(page).toContain(member.email);
      expect(page).toContain('3 seats, 2 free');
      expect((await member.agent.get('/account')).text).toContain(owner.email);
      const exported = (await member.agent.get('/account/data.json').expect(200)).body;
      expect(exported.group.memberOf.ownerEmail).toBe(owner.email);

      // Replayed: the link is spent, by the same reader or anyone else.
      expect((await request(t.app).get(path)).status).toBe(400);
      const again = await member.agent.post(path).type('form').send({ _csrf: csrfTokenIn((await member.agent.get('/account')).text) });
      expect(again.status).toBe(400);
    });

    it('when every seat is taken by members and pending invitations, then one more is 409; an email invited or joined again, or the owner\'s own, is refused', async () => {
      const { owner, member } = await groupWithMember();
      expect((await invite(owner.agent, member.email)).status).toBe(409);
      const pending = newEmail();
      expect((await invite(owner.agent, pending)).status).toBe(303);
      const twice = await invite(owner.agent, pending.toUpperCase());
      expect(twice.status).toBe(409);
      expect(twice.text).toContain('has already been invited');
      expect((await invite(owner.agent, owner.email)).status).toBe(400);
      expect((await invite(owner.agent, 'not an email')).status).toBe(400);
      expect((await invite(owner.agent, newEmail())).status).toBe(303);
      const full = await invite(owner.agent, newEmail());
      expect(full.status).toBe(409);
      expect(full.text).toContain('Every seat of this group is taken');
      // Withdrawing an invitation frees its seat.
      const [, invitationId] = /\/account\/group\/invitations\/([^/]+)\/remove/.exec((await owner.agent.get('/account')).text)!;
      expect((await submitForm(owner.agent, '/account', `/account/group/invitations/${invitationId}/remove`, {})).status).toBe(303);
      expect((await invite(owner.agent, newEmail())).status).toBe(303);
    });

    it('when many invitations are sent at once, then no more than the seats are made', async () => {
      const owner = await buyer();
      const page = await owner.agent.get('/account');
      const token = csrfTokenIn(page.text);
      const answers = await Promise.all(Array.from({ length: 10 }, () => owner.agent.post('/account/group/invite').type('form').send({ email: newEmail(), _csrf: token })));
      expect(answers.map((a) => a.status).sort()).toEqual([303, 303, 303, 409, 409, 409, 409, 409, 409, 409]);
      expect((await owner.agent.get('/account')).text).toContain('3 seats, 0 free');
    });

    it('when another account, or the invited one still unconfirmed, accepts the invitation, then it is refused and stays open for the invited reader', async () => {
      const owner = await buyer();
      const invitedEmail = newEmail();
      expect((await invite(owner.agent, invitedEmail)).status).toBe(303);
      const path = await linkTo(invitedEmail);
      const other = await verifiedReader();
      const shown = await other.agent.get(path).expect(200);
      expect(shown.text).toContain('another email address');
      const refused = await other.agent.post(path).type('form').send({ _csrf: csrfTokenIn(shown.text) });
      expect(refused.status).toBe(403);
      expect(await entitlementOf(other.agent)).toBe('none');

      const invited = await signUp(t.app, invitedEmail);
      const unverified = await invited.agent.post(path).type('form').send({ _csrf: csrfTokenIn((await invited.agent.get(path)).text) });
      expect(unverified.status).toBe(403);
      expect(await entitlementOf(invited.agent)).toBe('none');
      const verify = await verifyLinkTo(dataDir(), invitedEmail);
      await invited.agent.post(verify).type('form').send({ _csrf: csrfTokenIn((await invited.agent.get(verify)).text) }).expect(200);
      expect((await accept(invited.agent, path)).status).toBe(200);
      expect(await entitlementOf(invited.agent)).toBe('subscriber');
    });

    it('when an account already in a group accepts a second invitation, then it is refused (one group per account)', async () => {
      const { member } = await groupWithMember();
      const second = await buyer();
      expect((await invite(second.agent, member.email)).status).toBe(303);
      const refused = await accept(member.agent, await linkTo(member.email, 1));
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('one group only');
    });

    it('when two owners accept each other\'s invitations at the same moment, then one joins and the other is told the account has members, never a 5xx', async () => {
      const a = await buyer();
      const b = await buyer();
      expect((await invite(a.agent, b.email)).status).toBe(303);
      expect((await invite(b.agent, a.email)).status).toBe(303);
      const [pathForA, pathForB] = [await linkTo(a.email), await linkTo(b.email)];
      const [pageForA, pageForB] = [await a.agent.get(pathForA).expect(200), await b.agent.get(pathForB).expect(200)];
      const post = (agent: Agent, path: string, page: request.Response) => Promise.resolve(agent.post(path).type('form').send({ _csrf: csrfTokenIn(page.text) }));
      let answers: request.Response[];
      if (mode === 'embedded') {
        answers = await Promise.all([post(a.agent, pathForA, pageForA), post(b.agent, pathForB, pageForB)]);
      } else {
        // Each join locks its owner, then the joiner: A's join locks B then A, B's locks A then
        // B. Both accounts are held here first, then let go one by one, so that the two joins
        // each get their first lock and wait for the other's: the deadlock, every time.
        const ids = await Promise.all([a.email, b.email].map(async (email) => (await t.deps.auth.accountsRepository.findByEmail(email))!.id));
        answers = await t.deps.database.db.connection().execute(async (conn) => {
          const lock = (id: string, how: 'lock' | 'unlock') => sql`select ${sql.raw(`pg_advisory_${how}`)}(${accountLockClass}::int4, hashtext(${id}))`.execute(conn);
          const waiting = async (n: number) => {
            for (;;) {
              const { rows } = await sql<{ n: string }>`select count(*) as n from pg_locks where locktype = 'advisory' and not granted and classid = ${accountLockClass} and database = (select oid from pg_database where datname = current_database())`.execute(conn);
              if (Number(rows[0]!.n) >= n) return;
              await new Promise((resolve) => setTimeout(resolve, 10));
            }
          };
          await lock(ids[0]!, 'lock');
          await lock(ids[1]!, 'lock');
          const posted = Promise.all([post(a.agent, pathForA, pageForA), post(b.agent, pathForB, pageForB)]);
          await waiting(2);
          await lock(ids[1]!, 'unlock');
          // A's join now holds B and waits for A, behind B's join.
          await waiting(2);
          await lock(ids[0]!, 'unlock');
          return posted;
        });
      }
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
      expect(answers.find((answer) => answer.status === 409)!.text).toMatch(/member/i);
    });

    it('when the owner removes a member, then the member loses access on the next request, unless their own subscription counts; nobody removes another group\'s member', async () => {
      const { owner, member } = await groupWithMember();
      const stranger = await buyer();
      const account = (await owner.agent.get('/account')).text;
      const [, memberId] = /\/account\/group\/members\/([^/]+)\/remove/.exec(account)!;
      expect((await submitForm(stranger.agent, '/account', `/account/group/members/${memberId}/remove`, {})).status).toBe(404);
      expect(await entitlementOf(member.agent)).toBe('subscriber');
      expect((await submitForm(owner.agent, '/account', `/account/group/members/${memberId}/remove`, {})).status).toBe(303);
      expect(await entitlementOf(member.agent)).toBe('none');
      expect((await member.agent.get('/articles/care-home-contracts')).headers['x-access-decision']).not.toBe('subscriber');

      // A member who also pays for their own subscription keeps it when removed.
      const paying = await buyer('price_solo');
      expect((await invite(owner.agent, paying.email)).status).toBe(303);
      expect((await accept(paying.agent, await linkTo(paying.email))).status).toBe(200);
      const [, payingId] = new RegExp(`/account/group/members/([^/]+)/remove`).exec((await owner.agent.get('/account')).text)!;
      expect((await submitForm(owner.agent, '/account', `/account/group/members/${payingId}/remove`, {})).status).toBe(303);
      expect(await entitlementOf(paying.agent)).toBe('subscriber');
    });

    it('when the group\'s subscription ends by webhook (twice, and an older event after), then members lose access; in the past-due grace they keep it', async () => {
      const { owner, member } = await groupWithMember();
      const id = owner.subscription.id as string;
      await deliver(stripe.event('invoice.payment_failed', stripe.invoice(stripe.setStatus(id, 'past_due'), 'open'))).expect(200);
      expect(await entitlementOf(member.agent)).toBe('subscriber');
      const active = stripe.event('customer.subscription.updated', { ...owner.subscription, status: 'active' });
      const ended = stripe.event('customer.subscription.deleted', stripe.setStatus(id, 'canceled'));
      await deliver(ended).expect(200);
      expect(await entitlementOf(member.agent)).toBe('none');
      expect(await entitlementOf(owner.agent)).toBe('none');
      expect((await deliver(ended).expect(200)).body.outcome).toBe('duplicate');
      // An older event arriving late: the state is read again from Stripe, which says canceled.
      await deliver(active).expect(200);
      expect(await entitlementOf(member.agent)).toBe('none');
      // A lapsed group takes no invitations; its owner still sees and may remove its members.
      expect((await invite(owner.agent, newEmail())).status).toBe(409);
      expect((await owner.agent.get('/account')).text).toContain(member.email);
    });

    it('when the owner moves to a plan without seats, then members lose access and the owner keeps theirs', async () => {
      const { owner, member } = await groupWithMember();
      const items = owner.subscription.items as { data: Record<string, any>[] };
      const solo = { ...items, data: [{ ...items.data[0], price: { ...items.data[0]!.price, id: 'price_solo' } }] };
      await deliver(stripe.event('customer.subscription.updated', stripe.setStatus(owner.subscription.id as string, 'active', { items: solo }))).expect(200);
      expect(await entitlementOf(member.agent)).toBe('none');
      expect(await entitlementOf(owner.agent)).toBe('subscriber');
    });

    it('when the owner moves to a plan with fewer seats, then only the earliest members that fit read on', async () => {
      const { owner, member } = await groupWithMember();
      const [second, later] = [await verifiedReader(), await verifiedReader()];
      for (const reader of [second, later]) {
        expect((await invite(owner.agent, reader.email)).status).toBe(303);
        expect((await accept(reader.agent, await linkTo(reader.email))).status).toBe(200);
        expect(await entitlementOf(reader.agent)).toBe('subscriber');
      }
      const items = owner.subscription.items as { data: Record<string, any>[] };
      const duo = { ...items, data: [{ ...items.data[0], price: { ...items.data[0]!.price, id: 'price_duo' } }] };
      await deliver(stripe.event('customer.subscription.updated', stripe.setStatus(owner.subscription.id as string, 'active', { items: duo }))).expect(200);
      expect(await entitlementOf(member.agent)).toBe('subscriber');
      expect(await entitlementOf(second.agent)).toBe('subscriber');
      expect(await entitlementOf(later.agent)).toBe('none');
      expect(await entitlementOf(owner.agent)).toBe('subscriber');
    });

    it('when the owner deletes their account, then the group ends; when a member deletes theirs, then the membership goes and its seat is free', async () => {
      const { owner, member } = await groupWithMember();
      const leaving = await verifiedReader();
      expect((await invite(owner.agent, leaving.email)).status).toBe(303);
      expect((await accept(leaving.agent, await linkTo(leaving.email))).status).toBe(200);
      expect((await owner.agent.get('/account')).text).toContain('3 seats, 1 free');
      expect((await submitForm(leaving.agent, '/account/delete', '/account/delete', { password: goodPassword })).status).toBe(200);
      const after = (await owner.agent.get('/account')).text;
      expect(after).toContain('3 seats, 2 free');
      expect(after).not.toContain(leaving.email);

      expect((await submitForm(owner.agent, '/account/delete', '/account/delete', { password: goodPassword })).status).toBe(200);
      expect(await entitlementOf(member.agent)).toBe('none');
      expect((await member.agent.get('/account')).text).not.toContain(owner.email);
    });
  });
}
