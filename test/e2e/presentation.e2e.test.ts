import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { describeMode, modes, startTestApp, type TestApp } from '../support/test-app';
import { signUp, submitForm } from '../support/http';
import { defaultPresentationSettings } from '../../src/admin/admin.module';

/** Three sections, newest first: news, sport, puzzles (the order the front page shows by default). */
function content(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-presentation-'));
  const write = (slug: string, section: string, published: string) =>
    fs.writeFileSync(path.join(dir, `${slug}.md`), `---\ntitle: Article ${slug}\nsection: ${section}\npublished: ${published}\naccess: free\n---\nBody of ${slug}.\n`);
  write('late-news', 'news', '2026-11-30T23:30:00Z');
  write('sport-one', 'sport', '2026-11-20T10:00:00Z');
  write('puzzle-one', 'puzzles', '2026-11-10T10:00:00Z');
  return dir;
}

const themed = {
  logoUrl: 'https://img.example.com/logo.svg',
  accentColour: '#7A1F3D',
  sections: [
    { slug: 'puzzles', name: 'Brain Teasers' },
    { slug: 'news', name: 'Top Stories' },
    { slug: 'absent', name: 'Nothing Here Yet' },
  ],
  timeZone: 'Pacific/Auckland',
};

/** Section headings of the front page, in order. */
const headingsOf = (html: string) => [...html.matchAll(/<h2 class="section__title"[^>]*><a href="\/sections\/([^"]+)">([^<]+)<\/a>/g)].map((m) => `${m[1]}=${m[2]}`);

for (const mode of modes) {
  describeMode(mode)(`presentation settings (${mode})`, () => {
    let t: TestApp;
    let auth: { Authorization: string };
    const contentDir = content();
    beforeAll(async () => {
      t = await startTestApp(mode, { env: { CONTENT_DIR: contentDir, IMG_SRC: 'https://img.example.com', SITE_NAME: 'The Tidewater Courier' } });
      auth = { Authorization: `Bearer ${(await t.deps.admin.apiKeys.create('presentation tests')).key}` };
    });
    afterAll(async () => {
      await t.close();
      fs.rmSync(contentDir, { recursive: true, force: true });
    });
    const put = (body: unknown) => request(t.app).put('/admin/api/presentation').set(auth).send(body as object);
    // Each test starts from the defaults.
    beforeEach(() => put(defaultPresentationSettings).expect(200));

    it('when the API is called without credentials or by a reader, then 401 and 403, and nothing changes', async () => {
      await request(t.app).get('/admin/api/presentation').expect(401);
      await request(t.app).put('/admin/api/presentation').send(themed).expect(401);
      const { agent } = await signUp(t.app);
      await agent.get('/admin/api/presentation').expect(403);
      expect((await request(t.app).get('/admin/api/presentation').set(auth).expect(200)).body).toEqual(defaultPresentationSettings);
    });

    it('when every field is bad, then 400 names each, and nothing is saved', async () => {
      const response = await put({ logoUrl: 'http://img.example.com/logo.svg', accentColour: 'crimson', sections: [{ slug: 'News', name: 'News' }, { slug: 'sport', name: '' }], timeZone: 'Mars/Olympus_Mons', fonts: 'Comic Sans' }).expect(400);
      expect(Object.keys(response.body.fields).sort()).toEqual(['accentColour', 'fonts', 'logoUrl', 'sections.0.slug', 'sections.1.name', 'timeZone']);
      expect(response.body.error).toMatch(/^Invalid presentation settings: /);
      expect(response.body.fields.timeZone).toContain('IANA');
      const missing = await put({}).expect(400);
      expect(missing.body.fields).toEqual({ logoUrl: 'is required', accentColour: 'is required', sections: 'is required', timeZone: 'is required' });
      const twice = await put({ ...themed, sections: [{ slug: 'news', name: 'A' }, { slug: 'news', name: 'B' }] }).expect(400);
      expect(Object.keys(twice.body.fields)).toEqual(['sections.1.slug']);
      expect((await request(t.app).get('/admin/api/presentation').set(auth).expect(200)).body).toEqual(defaultPresentationSettings);
    });

    it('when the accent has less than 4.5:1 contrast with white, then it is refused and says why', async () => {
      const yellow = await put({ ...themed, accentColour: '#ffcc00' }).expect(400);
      expect(Object.keys(yellow.body.fields)).toEqual(['accentColour']);
      expect(yellow.body.fields.accentColour).toMatch(/contrast of 1\.\d\d:1 with white.*at least 4\.5:1/);
      // #767676 is the lightest grey with 4.5:1 on white, but not on the page's off-white background.
      expect((await put({ ...themed, accentColour: '#767676' }).expect(400)).body.fields.accentColour).toContain("page's background");
      await put({ ...themed, accentColour: '#707070' }).expect(200);
    });

    it('when the logo is on an origin IMG_SRC does not name, then the PUT is refused and says to add it to IMG_SRC', async () => {
      const response = await put({ ...themed, logoUrl: 'https://cdn.elsewhere.example/logo.png' }).expect(400);
      expect(Object.keys(response.body.fields)).toEqual(['logoUrl']);
      expect(response.body.fields.logoUrl).toContain('add https://cdn.elsewhere.example to IMG_SRC');
      expect((await put({ ...themed, logoUrl: '//cdn.elsewhere.example/logo.png' }).expect(400)).body.fields.logoUrl).toBeDefined();
      expect((await put({ ...themed, logoUrl: 'javascript:alert(1)' }).expect(400)).body.fields.logoUrl).toBeDefined();
      expect((await put({ ...themed, logoUrl: '/static/logo.svg' }).expect(200)).body.logoUrl).toBe('/static/logo.svg');
      // A page of the site as a "picture" would be requested with the reader's cookies on every page.
      for (const page of ['/articles/some-story', '/signout', '/static/../signout', '/static/%2e%2e/signout', '/gatehouse/theme/..%2Fx']) {
        expect((await put({ ...themed, logoUrl: page }).expect(400)).body.fields.logoUrl).toBeDefined();
      }
      expect((await put({ ...themed, logoUrl: 'https://user:secret@img.news.example/logo.svg' }).expect(400)).body.fields.logoUrl).toContain('user name or password');
    });

    it('when the presentation is saved, then the front page, section pages, dates, masthead and stylesheet follow it', async () => {
      const before = await request(t.app).get('/').expect(200);
      expect(headingsOf(before.text)).toEqual(['news=news', 'sport=sport', 'puzzles=puzzles']);
      expect(before.text).toContain('30 November 2026');

      const saved = await put(themed).expect(200);
      expect(saved.body).toEqual({ ...themed, accentColour: '#7a1f3d' });
      expect((await request(t.app).get('/admin/api/presentation').set(auth).expect(200)).body).toEqual(saved.body);

      const home = await request(t.app).get('/').expect(200);
      expect(headingsOf(home.text)).toEqual(['puzzles=Brain Teasers', 'news=Top Stories', 'sport=sport']);
      // 23:30 UTC on 30 November is 1 December in Auckland.
      expect(home.text).toContain('>1 December 2026</time>');
      expect(home.text).toContain('<img class="masthead__logo" src="https://img.example.com/logo.svg" alt="The Tidewater Courier">');
      expect(home.headers['content-security-policy']).toMatch(/img-src 'self' data: https:\/\/img\.example\.com/);

      const section = await request(t.app).get('/sections/puzzles').expect(200);
      expect(section.text).toContain('<title>Brain Teasers · The Tidewater Courier</title>');
      expect(section.text).toContain('<h1 class="section__title section__title--page">Brain Teasers</h1>');
      expect((await request(t.app).get('/sections/sport').expect(200)).text).toContain('>sport</h1>');

      const href = /<link rel="stylesheet" href="(\/gatehouse\/presentation\.css\?v=[0-9a-f]{12})">/.exec(home.text)?.[1];
      expect(href).toBeDefined();
      expect(home.text.indexOf('/gatehouse/site.css')).toBeLessThan(home.text.indexOf(href!));
      const css = await request(t.app).get(href!).expect(200);
      expect(css.headers['content-type']).toMatch(/^text\/css/);
      expect(css.text).toBe(':root { --accent: #7a1f3d; }\n');
      expect(css.headers['cache-control']).toContain('immutable');
      // An old address is answered with the current colours, not kept.
      expect((await request(t.app).get('/gatehouse/presentation.css?v=000000000000').expect(200)).headers['cache-control']).toBe('no-cache');
      expect(before.text).not.toContain(href!);
    });

    it('when the admin form is posted, then bad fields are shown beside their inputs and good ones saved', async () => {
      const { agent, email } = await signUp(t.app);
      await t.deps.auth.accountsRepository.setAdmin(email, true);
      const admin = await agent.get('/admin').expect(200);
      expect(admin.text).toMatch(/<nav class="admin__nav" aria-label="Admin sections">/);
      for (const anchor of ['funnel', 'meter', 'presentation', 'policies', 'consents', 'plans']) {
        expect(admin.text).toContain(`<a href="#${anchor}">`);
        expect(admin.text).toContain(`id="${anchor}"`);
      }
      const bad = await submitForm(agent, '/admin', '/admin/presentation', { logoUrl: '', accentColour: '#ffff00', sections: 'news: News\nBad Slug: Oops\nnot a line', timeZone: 'Europe/Nowhere' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('Accent colour has a contrast of');
      expect(bad.text).toContain('Time zone must be an IANA time zone');
      expect(bad.text).toContain('cannot read line 3');
      const lineError = await submitForm(agent, '/admin', '/admin/presentation', { logoUrl: '', accentColour: '#0b5394', sections: 'news: News\n\nBad Slug: Oops', timeZone: 'UTC' });
      expect(lineError.text).toContain('line 3: the slug must be lower-case');
      const good = await submitForm(agent, '/admin', '/admin/presentation', { logoUrl: '', accentColour: '#14532D', sections: 'sport: Sport\nnews: The News', timeZone: 'Europe/London' });
      expect(good.status).toBe(303);
      expect(good.headers.location).toBe('/admin?saved=presentation#presentation');
      expect((await request(t.app).get('/admin/api/presentation').set(auth).expect(200)).body).toEqual({ logoUrl: null, accentColour: '#14532d', sections: [{ slug: 'sport', name: 'Sport' }, { slug: 'news', name: 'The News' }], timeZone: 'Europe/London' });
      const page = await agent.get('/admin?saved=presentation').expect(200);
      expect(page.text).toContain('Presentation saved.');
      expect(page.text).toContain('sport: Sport\nnews: The News</textarea>');
      expect(headingsOf((await request(t.app).get('/').expect(200)).text)).toEqual(['sport=Sport', 'news=The News', 'puzzles=puzzles']);
    });

    it('when a second instance shares the storage, then it shows a change once its copy is older than a few seconds', async () => {
      let now = Date.now();
      const other = await startTestApp(mode, { env: { CONTENT_DIR: contentDir, IMG_SRC: 'https://img.example.com' }, shareStorageWith: t, clock: () => now });
      try {
        await put({ ...themed, sections: [{ slug: 'sport', name: 'Games' }] }).expect(200);
        expect(headingsOf((await request(other.app).get('/').expect(200)).text)[0]).toBe('sport=Games');
        await put({ ...themed, sections: [{ slug: 'news', name: 'Headlines' }] }).expect(200);
        // Its copy is kept for a few seconds (no query per page): still the one it read.
        expect(headingsOf((await request(other.app).get('/').expect(200)).text)[0]).toBe('sport=Games');
        now += 5000;
        expect(headingsOf((await request(other.app).get('/').expect(200)).text)[0]).toBe('news=Headlines');
      } finally {
        await other.close();
      }
    });
  });
}

describe('THEME_DIR', () => {
  const made: string[] = [];
  /** A theme folder with these files, beside a file outside it that no template may reach. */
  /** A theme folder beside a file outside it (`../outside.eta`); `{ link }` makes a symbolic link to `outside.eta`. */
  function theme(files: Record<string, string | { link: true }>): string {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-theme-'));
    made.push(parent);
    fs.writeFileSync(path.join(parent, 'outside.eta'), 'OUTSIDE-THE-THEME');
    const dir = path.join(parent, 'theme');
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      if (typeof text === 'string') fs.writeFileSync(path.join(dir, name), text);
      else fs.symlinkSync(path.join(parent, 'outside.eta'), path.join(dir, name));
    }
    return dir;
  }
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when the theme has pages, partials and a theme.css, then they replace the bundled ones by name and the rest stays bundled', async () => {
    const contentDir = content();
    const dir = theme({
      'theme.css': '.masthead { background: #222; }\n',
      // A themed page on the bundled layout, including a bundled partial and one of its own.
      'home.eta': "<% layout('./layout') %><p>THEMED-HOME</p><%~ include('./plan-list', { plans: [] }) %><%~ include('./parts/teaser') %>",
      'parts/teaser.eta': "<p>THEMED-PARTIAL</p><%~ include('../consent-line') %>",
      // A bundled page (signin) including a themed partial.
      'passkey-signin.eta': '<p>THEMED-PASSKEY</p>',
      // The consent line is never the theme's: records store the catalog's wording as shown.
      'consent-line.eta': '<p class="consent">THEMED-CONSENT</p>',
      // A link out of the theme is not followed.
      'assets/outside.txt': { link: true },
      'section.eta': "<%~ include('../outside') %>",
    });
    const t = await startTestApp('embedded', { env: { CONTENT_DIR: contentDir, THEME_DIR: dir, NODE_ENV: 'production', SESSION_SECRET: 'a'.repeat(40), PUBLIC_URL: 'http://localhost', TRUST_PROXY: '1' } });
    try {
      const home = await request(t.app).get('/').expect(200);
      expect(home.text).toContain('<p>THEMED-HOME</p><ul class="plans">');
      expect(home.text).toContain('<p>THEMED-PARTIAL</p><p class="consent">By continuing you agree to our');
      expect(home.text).not.toContain('THEMED-CONSENT');
      expect(home.text).toContain('<a class="skip-link" href="#main">');
      const links = [...home.text.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]!);
      expect(links).toEqual(['/gatehouse/site.css', expect.stringMatching(/^\/gatehouse\/presentation\.css\?v=/), expect.stringMatching(/^\/gatehouse\/theme\.css\?v=[0-9a-f]{12}$/)]);
      const css = await request(t.app).get(links[2]!).expect(200);
      expect(css.text).toBe('.masthead { background: #222; }\n');
      expect(css.headers['content-type']).toMatch(/^text\/css/);
      expect(css.headers['cache-control']).toContain('immutable');
      // Nothing else of the folder is served: its templates are not for readers.
      await request(t.app).get('/gatehouse/home.eta').expect(404);
      await request(t.app).get('/gatehouse/../outside.eta').expect(404);

      const signin = await request(t.app).get('/signin').expect(200);
      expect(signin.text).toContain('<p>THEMED-PASSKEY</p>');
      expect(signin.text).not.toContain('THEMED-CONSENT');
      await request(t.app).get('/gatehouse/theme/outside.txt').expect(404);
      expect(signin.text).toContain('/gatehouse/theme.css?v=');
      // The bundled article page is untouched.
      expect((await request(t.app).get('/articles/late-news').expect(200)).text).toContain('Body of late-news.');
      // A template reaching out of the folder is refused, and shows nothing of what is there.
      const escape = await request(t.app).get('/sections/news');
      expect(escape.status).toBe(500);
      expect(escape.text).not.toContain('OUTSIDE-THE-THEME');
    } finally {
      await t.close();
      fs.rmSync(contentDir, { recursive: true, force: true });
    }
  });

  it('when the theme replaces the layout, then every page uses it, and with no theme.css none is linked', async () => {
    const contentDir = content();
    // The theme also prints the request id: a kept article page must not carry one reader's to another.
    const layout = fs.readFileSync(path.join(__dirname, '../../views/layout.eta'), 'utf8').replace('<body>', '<body class="themed"><p>THEMED-LAYOUT</p><p>RID=<%= it.requestId %></p>');
    const t = await startTestApp('embedded', { env: { CONTENT_DIR: contentDir, THEME_DIR: theme({ 'layout.eta': layout }) } });
    try {
      for (const page of ['/', '/sections/news', '/articles/late-news', '/signin', '/no-such-page']) {
        const response = await request(t.app).get(page);
        expect([page, response.text.includes('<p>THEMED-LAYOUT</p>')]).toEqual([page, true]);
        expect(response.text).not.toContain('theme.css');
      }
      await request(t.app).get('/gatehouse/theme.css').expect(404);
      await request(t.app).get('/articles/late-news').set('X-Request-Id', 'reader-a-request').expect(200);
      const other = await request(t.app).get('/articles/late-news').set('X-Request-Id', 'reader-b-request').expect(200);
      expect(other.text).not.toContain('reader-a-request');
    } finally {
      await t.close();
      fs.rmSync(contentDir, { recursive: true, force: true });
    }
  });
});
