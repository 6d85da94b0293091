import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { CrawlerRanges, parseAddress, parseRanges } from './ip-ranges';

const google = JSON.stringify({ creationTime: '2026-11-30T23:00:00', prefixes: [{ ipv4Prefix: '66.249.64.0/27' }, { ipv6Prefix: '2001:4860:4801:10::/64' }] });
const logger = pino({ level: 'silent' });
const at = (address: string) => parseAddress(address)!;

describe('crawler ranges', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-ranges-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("when Google's JSON lists IPv4 and IPv6 prefixes, then each is parsed with its length", () => {
    const [v4, v6] = parseRanges(google);
    expect(v4![0].toString()).toBe('66.249.64.0');
    expect(v6![1]).toBe(64);
  });

  it('when a ranges file is loaded, then inside addresses (IPv4, IPv4-mapped, IPv6) match for that crawler only', async () => {
    const file = path.join(dir, 'googlebot.json');
    fs.writeFileSync(file, google);
    const ranges = new CrawlerRanges({ sources: { googlebot: file }, logger });
    await ranges.reload();
    expect(ranges.contains('googlebot', at('66.249.64.31'))).toBe(true);
    expect(ranges.contains('googlebot', at('::ffff:66.249.64.7'))).toBe(true);
    expect(ranges.contains('googlebot', at('2001:4860:4801:10::abcd'))).toBe(true);
    expect(ranges.contains('googlebot', at('66.249.64.32'))).toBe(false);
    expect(ranges.contains('googlebot', at('2001:4860:4801:11::1'))).toBe(false);
    expect(ranges.contains('bingbot', at('66.249.64.7'))).toBe(false);
  });

  it('when a reload finds the file broken or a prefix bad, then the last good list is kept', async () => {
    const file = path.join(dir, 'googlebot.json');
    fs.writeFileSync(file, google);
    const ranges = new CrawlerRanges({ sources: { googlebot: file }, logger });
    await ranges.reload();
    for (const broken of ['{"prefixes": [', JSON.stringify({ prefixes: [{ ipv4Prefix: '66.249.64.0/33' }] }), JSON.stringify({ prefixes: [{ ipv4Prefix: '2001:db8::/32' }] }), JSON.stringify({ items: [] })]) {
      fs.writeFileSync(file, broken);
      await ranges.reload();
      expect(ranges.sizes()).toEqual({ googlebot: 2 });
    }
    fs.rmSync(file);
    await ranges.reload();
    expect(ranges.contains('googlebot', at('66.249.64.7'))).toBe(true);
  });

  it('when the ranges are a URL, then they are fetched; a reload that fails (500, then a closed server) keeps the last good list, a good one replaces it', async () => {
    let answer: { status: number; body: string } = { status: 200, body: JSON.stringify({ prefixes: [{ ipv4Prefix: '157.55.39.0/24' }] }) };
    const server = http.createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bingbot.json`;
    const ranges = new CrawlerRanges({ sources: { bingbot: url }, logger });
    try {
      await ranges.reload();
      expect(ranges.contains('bingbot', at('157.55.39.1'))).toBe(true);
      answer = { status: 500, body: 'oops' };
      await ranges.reload();
      expect(ranges.contains('bingbot', at('157.55.39.1'))).toBe(true);
      answer = { status: 200, body: JSON.stringify({ prefixes: [{ ipv4Prefix: '40.77.167.0/24' }] }) };
      await ranges.reload();
      expect(ranges.contains('bingbot', at('157.55.39.1'))).toBe(false);
      expect(ranges.contains('bingbot', at('40.77.167.9'))).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await ranges.reload();
    expect(ranges.contains('bingbot', at('40.77.167.9'))).toBe(true);
  });

  it('when a day passes, then the lists are reloaded; once stopped, never again', () => {
    jest.useFakeTimers();
    try {
      const ranges = new CrawlerRanges({ sources: { googlebot: path.join(dir, 'none.json') }, logger });
      const reload = jest.spyOn(ranges, 'reload').mockResolvedValue(undefined);
      ranges.startDailyReload();
      jest.advanceTimersByTime(24 * 60 * 60 * 1000);
      expect(reload).toHaveBeenCalledTimes(1);
      ranges.stop();
      jest.advanceTimersByTime(48 * 60 * 60 * 1000);
      expect(reload).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
