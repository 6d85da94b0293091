import request from 'supertest';
import { meterSettingsOf } from '../support/meter-settings';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { describeWithWordPress, markerParagraphs, startWordPress, type TestWordPress, type WordPressPost } from '../support/wordpress';

const cookiesOf = (response: request.Response) => ([] as string[]).concat(response.headers['set-cookie'] ?? []);
const readerCookie = (response: request.Response) => cookiesOf(response).map((c) => c.split(';')[0]!).join('; ');

/** The body of any response as text, whatever its type (supertest leaves XML and others unparsed). */
async function textOf(pending: request.Test): Promise<request.Response & { body: string }> {
  return (await pending.buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  })) as request.Response & { body: string };
}

describeWithWordPress('in front of a real WordPress', () => {
  let wp: TestWordPress;
  let gated: WordPressPost;
  let moreCut: WordPressPost;
  let freePost: WordPressPost;
  // Markers: `gwp1x` … in the gated post, `mrp1x` … in the one with <!--more-->, `frp1x` … in the free one.
  const gatedMarkers = Array.from({ length: 6 }, (_, i) => `gwp${i + 1}x`);
  const moreMarkers = Array.from({ length: 5 }, (_, i) => `mrp${i + 1}x`);

  beforeAll(async () => {
    wp = await startWordPress({ title: 'The WordPress Ledger' });
    gated = await wp.insertPost({ title: 'A gated story', paragraphs: markerParagraphs('gw', 6), category: 'News', date: '2025-04-10 09:00:00' });
    const more = markerParagraphs('mr', 5);
    moreCut = await wp.insertPost({ title: 'A story with a more tag', content: `<p>${more[0]}</p>\n<!--more-->\n${more.slice(1).map((p) => `<p>${p}</p>`).join('\n')}`, category: 'News', date: '2025-04-11 09:00:00' });
    freePost = await wp.insertPost({ title: 'A free notice', paragraphs: markerParagraphs('fr', 3), category: 'Notices', date: '2025-04-12 09:00:00' });
  }, 60_000);
  afterAll(async () => {
    await wp?.destroy();
  });

  describe.each(modes)('(%s)', (mode) => {
    describeMode(mode)(`through Gatehouse (${mode})`, () => {
      let t: TestApp;
      let apiKey: string;
      const setMeter = meterSettingsOf(() => t, () => apiKey);

      beforeAll(async () => {
        t = await startTestApp(mode, { env: { ORIGIN_URL: wp.url, ORIGIN_CMS: 'wordpress', ORIGIN_ARTICLE_SELECTOR: '.entry-content', ORIGIN_ARTICLE_PATHS: '/:year/:month/:slug/' } });
        apiKey = (await t.deps.admin.apiKeys.create('wordpress tests')).key;
      });
      afterAll(async () => {
        await t?.close();
      });

      it('when a reader with an allowance opens a post, then WordPress\'s page comes whole, metered, with the account bar', async () => {
        await setMeter({ anonymousLimit: 3, teaserParagraphs: 2, sections: { notices: 'free' } });
        const page = await request(t.app).get(gated.path).expect(200);
        expect(page.headers['x-access-decision']).toBe('metered');
        for (const m of gatedMarkers) expect(page.text).toContain(m);
        expect(page.text).toContain('The WordPress Ledger');
        expect(page.text).toContain('Create a free account');
        const free = await request(t.app).get(freePost.path).expect(200);
        expect(free.headers['x-access-decision']).toBe('free');
      });

      describe('a reader at the wall', () => {
        const doors: string[] = [];
        // An instance of its own that has read nothing yet: what it blocks or removes, it must
        // know without a reader having opened the post first.
        let w: TestApp;
        beforeAll(async () => {
          w = await startTestApp(mode, { env: { ORIGIN_URL: wp.url, ORIGIN_CMS: 'wordpress', ORIGIN_ARTICLE_SELECTOR: '.entry-content', ORIGIN_ARTICLE_PATHS: '/:year/:month/:slug/' } });
          const key = (await w.deps.admin.apiKeys.create('wordpress wall')).key;
          await meterSettingsOf(() => w, () => key)({ anonymousLimit: 0, teaserParagraphs: 2, sections: { notices: 'free' } });
          const slug = gated.path.split('/').filter(Boolean).pop()!;
          const [year, month] = gated.path.split('/').filter(Boolean);
          doors.push(
            gated.path,
            gated.path.toUpperCase(),
            gated.path.replace(/\//g, '//'),
            gated.path.replace(slug, encodeURIComponent(slug).replace(/a/g, '%61')),
            `${gated.path}?utm_source=x`,
            `/index.php${gated.path}`,
            `/?p=${gated.id}`,
            `/?p=${gated.id}&preview=true`,
            `/?name=${slug}`,
            `/?page_id=${gated.id}`,
            `${gated.path}?replytocom=1`,
            `${gated.path}2/`,
            `${gated.path}embed/`,
            `/?p=${gated.id}&embed=true`,
            `${gated.path}amp/`,
            `${gated.path}?amp=1`,
            `${gated.path}print/`,
            `${gated.path}feed/`,
            `${gated.path}trackback/`,
            '/',
            '/page/1/',
            `/${year}/`,
            `/${year}/${month}/`,
            '/category/news/',
            '/author/admin/',
            '/?s=gwp1x',
            `/?s=${slug}`,
            '/feed/',
            '/?feed=rss2',
            '/feed/atom/',
            '/feed/rdf/',
            '/category/news/feed/',
            '/comments/feed/',
            '/wp-json/wp/v2/posts',
            `/wp-json/wp/v2/posts/${gated.id}`,
            '/WP-JSON/wp/v2/posts',
            '/%77p-json/wp/v2/posts',
            '/?rest_route=/wp/v2/posts',
            `/index.php?rest_route=/wp/v2/posts/${gated.id}`,
            '/?rest.route=/wp/v2/posts',
            '/?rest+route=/wp/v2/posts',
            '/?rest[route=/wp/v2/posts',
            '/?rest_route=/wp/v2/posts&_jsonp=cb',
            '/index.php/wp-json/wp/v2/posts',
            '/index.php/wp-json/wp/v2/posts?_jsonp=cb',
            `/index.php/wp-json/wp/v2/posts/${gated.id}`,
            `/wp-json/oembed/1.0/embed?url=${encodeURIComponent(wp.url + gated.path)}`,
            '/wp-json/wp/v2/search?search=gwp4x',
            '/wp-sitemap.xml',
            '/wp-sitemap-posts-post-1.xml',
            '/xmlrpc.php',
            '/wp-admin/admin-ajax.php',
            `/wp-admin/post.php?post=${gated.id}&action=edit`,
          );
        });
        afterAll(async () => {
          await w?.close();
        });

        it('when the same doors are tried on WordPress itself, then many give the whole post: they are real doors', async () => {
          const open: string[] = [];
          for (const door of doors) {
            const response = await fetch(`${wp.url}${door}`, { redirect: 'follow' });
            if ((await response.text()).includes('gwp6x')) open.push(door);
          }
          // Each of these hands the whole post to anyone straight from WordPress (Twenty Twenty-One shows full posts on listings).
          for (const door of [gated.path, gated.path.toUpperCase(), '/', '/category/news/', `/?p=${gated.id}`, '/feed/', '/wp-json/wp/v2/posts', '/?rest_route=/wp/v2/posts', '/?rest.route=/wp/v2/posts', '/index.php/wp-json/wp/v2/posts']) expect(open).toContain(door);
        });

        it('when any door of WordPress is tried, with GET or POST, then no paragraph past the lead-in of a gated post comes back', async () => {
          const seen: string[] = [];
          for (const [method, door] of [...doors.map((d) => ['get', d] as const), ...doors.map((d) => ['post', d] as const)]) {
            let response = await textOf(request(w.app)[method](door));
            // A redirect is followed through Gatehouse, as a browser would.
            for (let hops = 0; hops < 3 && response.status >= 300 && response.status < 400; hops += 1) {
              const next = new URL(response.headers.location!, w.deps.config.publicUrl);
              response = await textOf(request(w.app).get(`${next.pathname}${next.search}`));
            }
            if (response.status >= 500) seen.push(`${door} answered ${response.status}`);
            for (const m of [...gatedMarkers.slice(2), ...moreMarkers.slice(1)]) if (response.body.includes(m)) seen.push(`${method.toUpperCase()} ${door} (${response.status}) carries ${m}`);
          }
          expect(seen).toEqual([]);
        });

        it('when the post is opened, then the lead-in, the gate and WordPress\'s own page are there', async () => {
          const page = await request(w.app).get(gated.path).expect(200);
          expect(page.headers['x-access-decision']).toBe('registration-wall');
          expect(page.text).toContain('gwp1x');
          expect(page.text).toContain('gwp2x');
          expect(page.text).toContain('Sign in or Create a free account');
          expect(page.text).toContain('The WordPress Ledger');
        });

        it('when a post has a more tag, then it is cut there', async () => {
          const page = await request(w.app).get(moreCut.path).expect(200);
          expect(page.text).toContain('mrp1x');
          expect(page.text).not.toContain('mrp2x');
        });

        it('when WordPress stops and starts again, then pages already read are served from the cache, others are a readable 502, and all is back after', async () => {
          await request(w.app).get(freePost.path).expect(200);
          await wp.stop();
          try {
            const cached = await request(w.app).get(freePost.path).expect(200);
            expect(cached.text).toContain('frp3x');
            // A search nothing has asked for before (listings make Gatehouse read the pages they link to).
            expect((await request(w.app).get('/?s=outage-only').expect(502)).text).toContain('could not be reached');
          } finally {
            await wp.start();
          }
          expect((await request(w.app).get('/?s=outage-only').expect(200)).text).toContain('outage-only');
        });

        it('when the feed is read, then each gated item carries its lead-in only and the free one is whole', async () => {
          const feed = await textOf(request(w.app).get('/feed/'));
          expect(feed.status).toBe(200);
          expect(feed.body).toContain('gwp1x');
          expect(feed.body).not.toContain('gwp3x');
          expect(feed.body).toContain('frp3x');
        });
      });
    });
  });
});
