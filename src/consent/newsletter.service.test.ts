import { Writable } from 'node:stream';
import { buildMessages } from '../http/i18n';
import { NewsletterService, statusOf } from './newsletter.service';
import type { NewsletterRecord, NewsletterRepository, NewsletterSubscriber } from './newsletter.repository';

const record = (method: NewsletterRecord['method'], at: string): NewsletterRecord => ({ wording: 'w', version: 'v', method, at });

describe('statusOf', () => {
  it('when there is no record, or the latest is a withdrawal, then not subscribed', () => {
    expect(statusOf([])).toEqual({ subscribed: false });
    expect(statusOf([record('signup', '2026-01-01'), record('withdraw', '2026-02-01')])).toEqual({ subscribed: false });
  });
  it('when the latest record is an opt-in, then subscribed since that one', () => {
    expect(statusOf([record('signup', '2026-01-01'), record('withdraw', '2026-02-01'), record('optin', '2026-03-01')])).toEqual({ subscribed: true, since: '2026-03-01' });
  });
});

describe('NewsletterService.exportCsv', () => {
  it('when the client reads slowly, then rows are pulled from the cursor only as fast as they are written', async () => {
    const total = 10_000;
    let pulled = 0;
    async function* subscribers(): AsyncGenerator<NewsletterSubscriber> {
      for (let i = 0; i < total; i += 1) {
        pulled += 1;
        yield { email: i === 0 ? '@evil' : `r${i}@example.com`, optedInAt: '2026-11-01T00:00:00.000Z', version: 'v1', method: 'signup' };
      }
    }
    const repository = { subscribers } as unknown as NewsletterRepository;
    const service = new NewsletterService({ repository, messages: buildMessages('en'), logger: { info: () => undefined } });

    // A client that takes nothing until let go: writes wait in its (small) buffer.
    const held: (() => void)[] = [];
    let firstWrite!: () => void;
    const writing = new Promise<void>((resolve) => (firstWrite = resolve));
    const chunks: string[] = [];
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        held.push(done);
        firstWrite();
      },
    });
    const exported = service.exportCsv(out);
    await writing;
    // Let every pending callback run: the export now waits for 'drain', pulling nothing more.
    for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
    expect(pulled).toBeLessThan(100);

    // Let the client read: everything arrives, header first, the formula defused.
    const release = () => {
      while (held.length > 0) held.shift()!();
    };
    const draining = setInterval(release, 0);
    try {
      await expect(exported).resolves.toBe(total);
      out.end();
      await new Promise((resolve) => out.once('finish', resolve));
    } finally {
      clearInterval(draining);
    }
    const lines = chunks.join('').trim().split('\r\n');
    expect(lines[0]).toBe('email,opted_in_at,wording_version,method');
    expect(lines[1]).toBe("'@evil,2026-11-01T00:00:00.000Z,v1,signup");
    expect(lines).toHaveLength(total + 1);
  });
});
