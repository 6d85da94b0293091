import { describeWithBrowser } from '../support/services';
import { buildMessages } from '../../src/http/i18n';
import { auditEach, readerPages, startAuditedSite, type AuditedSite } from './reader-pages';

/**
 * The same reader pages as accessibility.browser.test.ts, with LOCALE=de: German words are
 * longer (buttons wrap, labels grow) and the pages must say lang="de", so the audit runs in
 * both languages at both widths.
 */
describeWithBrowser('accessibility of every reader-facing page in German (LOCALE=de; axe-core, WCAG 2.2 AA)', () => {
  let site: AuditedSite;

  beforeAll(async () => {
    site = await startAuditedSite({ LOCALE: 'de' });
  });
  afterAll(() => site?.close());

  it('when a German page is opened, then the browser is told its language', async () => {
    const context = await site.h.browser.newContext();
    try {
      const page = await context.newPage();
      await site.open(page, '/signup');
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      await page.getByRole('heading', { name: 'Kostenloses Konto erstellen' }).waitFor();
    } finally {
      await context.close();
    }
  });

  auditEach(() => site, readerPages(() => site, buildMessages('de')), ' (German)');
});
