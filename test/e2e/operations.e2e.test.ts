import { PassThrough } from 'node:stream';
import net, { type AddressInfo } from 'node:net';
import express from 'express';
import { createApp } from '../../src/app';
import pino from 'pino';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';
import { csrfTokenIn, goodPassword, sessionCookieOf, signUp, submitForm } from '../support/http';
import { resetLinkIn, resetMailTo } from '../support/outbox';

describe('logs of failed requests', () => {
  it('when a request on a token path fails, then the error log names the path without the token', async () => {
    let log = '';
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const t = await startTestApp('embedded', { logger: pino({ level: 'debug' }, stream) });
    const token = 'Tk9UQVJFQUxUT0tFTl9idXRfc2hhcGVkX2xpa2Vfb25lX18';
    try {
      // With the database gone, the token lookup throws and the error handler logs the request.
      await t.deps.database.db.destroy();
      const response = await request(t.app).get(`/password/reset/${token.slice(0, 43)}`);
      expect(response.status).toBeGreaterThanOrEqual(500);
      await new Promise((r) => setTimeout(r, 50));
      const errors = log.trim().split('\n').filter((l) => /"level":(40|50)/.test(l));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.some((l) => l.includes('"path":"/password/reset/[redacted]"'))).toBe(true);
      expect(log).not.toContain(token.slice(0, 43));
    } finally {
      await t.close().catch(() => undefined);
    }
  });
});

describe('logs of aborted requests', () => {
  it('when a client goes away before its answer, then the request still gets one log line, marked aborted, with its id', async () => {
    let log = '';
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const t = await startTestApp('embedded', { logger: pino({ level: 'info' }, stream) });
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = express.Router();
    slow.get('/slow-for-test', async (_req, res) => {
      arrived();
      await released;
      res.send('late');
    });
    const server = createApp(t.deps, { extraRoutes: slow }).listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('GET /slow-for-test HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: gone-early-1\r\n\r\n');
      await arrival;
      socket.destroy();
      await new Promise((r) => setTimeout(r, 50));
      release();
      await new Promise((r) => setTimeout(r, 50));
      const lines = log.trim().split('\n').filter((l) => l.includes('"gone-early-1"'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"aborted":true');
      expect(lines[0]).toContain('request aborted');
    } finally {
      server.close();
      await t.close();
    }
  });
});

describe('logs and metrics', () => {
  let t: TestApp;
  let log = '';
  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    t = await startTestApp('embedded', { logger: pino({ level: 'debug' }, stream) });
  });
  afterAll(() => t.close());

  it('when a reader goes through every flow, then no password, token, cookie or API key reaches the log', async () => {
    const secrets: string[] = [goodPassword];
    const { agent, email, response } = await signUp(t.app, undefined, goodPassword, '/articles/harbour-bridge-reopens');
    secrets.push(sessionCookieOf(response)!.split('=')[1]!);
    const article = await agent.get('/articles/harbour-bridge-reopens');
    secrets.push(csrfTokenIn((await agent.get('/account')).text));
    const anonymous = await request(t.app).get('/articles/tram-line-consultation');
    secrets.push(decodeURIComponent(([] as string[]).concat(anonymous.headers['set-cookie'] ?? [])[0]!.split(';')[0]!.split('=')[1]!));
    await submitForm(request.agent(t.app), '/signin', '/signin', { email, password: 'a wrong guess here' });
    secrets.push('a wrong guess here');
    await submitForm(request.agent(t.app), '/password/forgot', '/password/forgot', { email });
    const link = resetLinkIn(await resetMailTo(t.deps.config.dataDir, email));
    const token = link.pathname.split('/').pop()!;
    secrets.push(token);
    const reset = request.agent(t.app);
    const form = await reset.get(link.pathname);
    await reset.post(link.pathname).type('form').send({ password: 'a fresh secret phrase', _csrf: csrfTokenIn(form.text) });
    secrets.push('a fresh secret phrase');
    const { key } = await t.deps.admin.apiKeys.create('log test');
    await request(t.app).get('/admin/api/meter').set('Authorization', `Bearer ${key}`).expect(200);
    secrets.push(key);
    expect(article.status).toBe(200);

    await new Promise((r) => setTimeout(r, 50));
    const lines = log.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(lines.some((l) => /"url":"\/password\/reset\/\[redacted\]"/.test(l))).toBe(true);
    expect(lines.some((l) => /"req":\{"id":"[^"]+"/.test(l))).toBe(true);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });

  it('when a request carries X-Request-Id, then the response and the log use it', async () => {
    const response = await request(t.app).get('/healthz').set('X-Request-Id', 'trace-abc-123').expect(200);
    expect(response.headers['x-request-id']).toBe('trace-abc-123');
    expect(log).toContain('"id":"trace-abc-123"');
    const bad = await request(t.app).get('/healthz').set('X-Request-Id', '<script>').expect(200);
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when /metrics is scraped, then it has request durations by route, decisions by kind, and process metrics', async () => {
    await request(t.app).get('/articles/flood-defences-budget').expect(200);
    await request(t.app).get('/articles/care-home-contracts').expect(200);
    const metrics = await request(t.app).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toMatch(/gatehouse_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/articles\/:slug",status="200"\}/);
    expect(metrics.text).toMatch(/gatehouse_access_decisions_total\{decision="metered"\} [1-9]/);
    expect(metrics.text).toMatch(/gatehouse_access_decisions_total\{decision="paywall"\} [1-9]/);
    expect(metrics.text).toContain('process_resident_memory_bytes');
    expect(metrics.text).toContain('gatehouse_webhook_events_total');
    expect(metrics.text).toContain('gatehouse_meter_store_errors_total');
  });
});
