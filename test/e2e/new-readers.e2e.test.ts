import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { meterSettingsOf } from '../support/meter-settings';
import { makeFixtureContent } from '../support/fixture-content';
import { MeterStoreUnavailable } from '../../src/meter/meter-store';

type Agent = ReturnType<typeof request.agent>;

const readerCookieOf = (response: request.Response) =>
  ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((c) => c.startsWith('gatehouse.reader='));

let nextAddress = 0;
/** A public-looking address (a documentation range) no other test uses. */
const newAddress = () => `198.51.${100 + Math.floor((nextAddress += 1) / 250)}.${(nextAddress % 250) + 1}`;

for (const mode of modes) {
  describeMode(mode)(`newReadersPerNetwork: clearing cookies does not reset the meter (${mode})`, () => {
    let t: TestApp;
    let apiKey: string;
    let next = 0;
    /** A metered article nobody in this file has opened yet. */
    const fresh = () => `m${(next += 1)}`;
    const settings = meterSettingsOf(() => t, () => apiKey);

    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: makeFixtureContent() } });
      apiKey = (await t.deps.admin.apiKeys.create('tests')).key;
    });
    afterAll(() => t.close());
    beforeEach(() => settings({}));

    it('when more new readers than newReadersPerNetwork come from one address, then the later ones meet the registration wall and keep it with their cookie', async () => {
      await settings({ newReadersPerNetwork: 3 });
      const address = newAddress();
      const readers: Agent[] = [];
      const decisions: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const agent = request.agent(t.app);
        const view = await agent.get(`/articles/${fresh()}`).set('X-Forwarded-For', address).expect(200);
        expect(readerCookieOf(view)).toBeDefined();
        decisions.push(String(view.headers['x-access-decision']));
        readers.push(agent);
      }
      expect(decisions).toEqual(['metered', 'metered', 'metered', 'registration-wall', 'registration-wall']);
      // The cap travels with the cookie, whatever address the reader comes from next.
      for (const agent of readers.slice(3)) {
        const again = await agent.get(`/articles/${fresh()}`).set('X-Forwarded-For', newAddress()).expect(200);
        expect(again.headers['x-access-decision']).toBe('registration-wall');
        expect(again.text).toContain('Sign in or Create a free account');
        expect(readerCookieOf(again)).toBeUndefined();
      }
      expect((await readers[0]!.get(`/articles/${fresh()}`).set('X-Forwarded-For', address)).headers['x-meter-remaining']).toBe('1');
      expect((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', newAddress())).headers['x-access-decision']).toBe('metered');
      // Free articles stay free for a capped reader.
      expect((await readers[4]!.get('/articles/free-one')).headers['x-access-decision']).toBe('free');
    });

    it('when a capped reader asks the JSON API, then it answers the registration wall and an allowance of 0, counting nothing', async () => {
      await settings({ newReadersPerNetwork: 1 });
      const address = newAddress();
      await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address).expect(200);
      const capped = request.agent(t.app);
      expect((await capped.get(`/articles/${fresh()}`).set('X-Forwarded-For', address)).headers['x-access-decision']).toBe('registration-wall');
      const access = await capped.get(`/api/access/${fresh()}`).expect(200);
      expect(access.body).toEqual({ decision: 'registration-wall', limit: 0, remaining: 0 });
      const me = await capped.get('/api/me').expect(200);
      expect(me.body.meter).toMatchObject({ limit: 0, remaining: 0 });
      // A cookieless peek from the capped network says what a new reader would get, and issues no id.
      const peek = await request(t.app).get(`/api/access/${fresh()}`).set('X-Forwarded-For', address).expect(200);
      expect(peek.body.decision).toBe('registration-wall');
      expect(readerCookieOf(peek)).toBeUndefined();
    });

    it('when cookieless readers open free and premium articles, then no reader id is issued and the network\'s bound is not spent', async () => {
      await settings({ newReadersPerNetwork: 3 });
      const address = newAddress();
      for (let i = 0; i < 10; i += 1) {
        for (const slug of ['free-one', 'premium-one']) {
          const view = await request(t.app).get(`/articles/${slug}`).set('X-Forwarded-For', address).expect(200);
          expect(readerCookieOf(view)).toBeUndefined();
        }
      }
      const metered = await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address).expect(200);
      expect(metered.headers['x-access-decision']).toBe('metered');
      expect(readerCookieOf(metered)).toBeDefined();
    });

    it('when capped cookies are kept past their day, then each comes back as a new reader under the new day\'s bound, not as a fresh allowance', async () => {
      let now = Date.UTC(2026, 11, 1, 12);
      const dated = await startTestApp(mode, { clock: () => now, env: { CONTENT_DIR: makeFixtureContent() } });
      try {
        const key = (await dated.deps.admin.apiKeys.create('tests')).key;
        await meterSettingsOf(() => dated, () => key)({ newReadersPerNetwork: 1 });
        const address = newAddress();
        const view = (cookie?: string) => {
          const call = request(dated.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address);
          return (cookie ? call.set('Cookie', cookie) : call).expect(200);
        };
        await view();
        const hoarded: string[] = [];
        for (let i = 0; i < 2; i += 1) {
          const capped = await view();
          expect(capped.headers['x-access-decision']).toBe('registration-wall');
          hoarded.push(readerCookieOf(capped)!.split(';')[0]!);
        }
        now += 24 * 60 * 60 * 1000;
        const first = await view(hoarded[0]);
        expect(first.headers['x-access-decision']).toBe('metered');
        expect(readerCookieOf(first)).toBeDefined();
        // The second hoarded cookie is the day's second new reader on this network: capped.
        expect((await view(hoarded[1])).headers['x-access-decision']).toBe('registration-wall');
      } finally {
        await dated.close();
      }
    });

    it('when HEADs come from a network, then they count no new reader and preview the cap', async () => {
      await settings({ newReadersPerNetwork: 1 });
      const address = newAddress();
      for (let i = 0; i < 4; i += 1) {
        const head = await request(t.app).head(`/articles/${fresh()}`).set('X-Forwarded-For', address);
        expect(head.headers['x-access-decision']).toBe('metered');
      }
      expect((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address)).headers['x-access-decision']).toBe('metered');
      expect((await request(t.app).head(`/articles/${fresh()}`).set('X-Forwarded-For', address)).headers['x-access-decision']).toBe('registration-wall');
      expect((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address)).headers['x-access-decision']).toBe('registration-wall');
    });

    it('when the new-reader count cannot be reached, then new readers are not capped and still get their page', async () => {
      await settings({ newReadersPerNetwork: 1 });
      const address = newAddress();
      // A new reader is counted in the view's own store call: that call fails as a whole.
      const down = jest.spyOn(t.deps.meter.store, 'view').mockRejectedValue(new MeterStoreUnavailable(new Error('down')));
      const cookies: string[] = [];
      try {
        for (let i = 0; i < 3; i += 1) {
          const view = await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address).expect(200);
          expect(view.headers['x-access-decision']).toBe('metered');
          cookies.push(readerCookieOf(view)!.split(';')[0]!);
        }
        expect(down).toHaveBeenCalledTimes(3);
      } finally {
        down.mockRestore();
      }
      // None was capped: each cookie keeps its allowance once the store is back.
      for (const cookie of cookies) {
        expect((await request(t.app).get(`/articles/${fresh()}`).set('Cookie', cookie).set('X-Forwarded-For', address)).headers['x-access-decision']).toBe('metered');
      }
    });

    it('when newReadersPerNetwork is 0, then new readers from one address are not bounded', async () => {
      await settings({ newReadersPerNetwork: 0 });
      const address = newAddress();
      for (let i = 0; i < 5; i += 1) {
        expect((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address)).headers['x-access-decision']).toBe('metered');
      }
    });

    it('when IPv6 addresses share a /64, then they share the bound, and another /64 does not', async () => {
      await settings({ newReadersPerNetwork: 2 });
      const prefix = `2001:db8:${(nextAddress += 1).toString(16)}:1`;
      const decisions = [];
      for (const host of ['::1', ':aaaa:bbbb:cccc:dddd', ':ffff:0:0:7']) {
        decisions.push((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', `${prefix}${host}`)).headers['x-access-decision']);
      }
      expect(decisions).toEqual(['metered', 'metered', 'registration-wall']);
      const neighbour = `2001:db8:${nextAddress.toString(16)}:2::1`;
      expect((await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', neighbour)).headers['x-access-decision']).toBe('metered');
    });

    it('when new readers are counted per network, then what is stored holds no address in clear', async () => {
      await settings({ newReadersPerNetwork: 5 });
      const v4 = newAddress();
      const v6 = `2001:db8:${(nextAddress += 1).toString(16)}:9::5`;
      for (const address of [v4, v6]) await request(t.app).get(`/articles/${fresh()}`).set('X-Forwarded-For', address).expect(200);
      const stored: string[] = [];
      if (t.deps.redis) {
        const keys = await t.deps.redis.keys(`${t.deps.config.redisKeyPrefix}*`);
        stored.push(...keys);
        for (const key of keys) if ((await t.deps.redis.type(key)) === 'string') stored.push(String(await t.deps.redis.get(key)));
        expect(keys.filter((k) => k.includes(':nr:')).length).toBeGreaterThanOrEqual(2);
      } else {
        const rows = await t.deps.database.db.selectFrom('meter_new_readers').selectAll().execute();
        expect(rows.length).toBeGreaterThanOrEqual(2);
        stored.push(JSON.stringify(rows));
      }
      stored.push(JSON.stringify(await t.deps.database.db.selectFrom('meter_reads').selectAll().execute()));
      const everything = stored.join('\n');
      for (const clear of [v4, v4.replace(/\./g, ':'), v6, v6.split('::')[0]!, '198.51.', '2001:db8']) expect(everything).not.toContain(clear);
    });
  });
}
