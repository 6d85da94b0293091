import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';

describe("the publisher's image CDN (IMG_SRC)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { env: { IMG_SRC: 'https://img.example.com' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when IMG_SRC names an origin, then the pages may load pictures from it and from nowhere else new', async () => {
    const csp = (await request(t.app).get('/').expect(200)).headers['content-security-policy'] as string;
    const imgSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('img-src'));
    expect(imgSrc).toBe("img-src 'self' data: https://img.example.com");
    expect(csp).toContain("script-src 'self'");
  });
});
