import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/config/paths';
import { TestRedisServer } from '../support/redis-server';

const main = path.join(packageRoot, 'dist', 'src', 'main.js');

/** Sends a request in two halves, so that it is in flight when the signal arrives. */
function halfRequest(port: number): { finish: () => void; response: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.write('GET /articles/harbour-bridge-reopens HTTP/1.1\r\nHost: localhost\r\n');
  let data = '';
  socket.on('data', (chunk) => {
    data += chunk.toString();
  });
  return {
    finish: () => socket.write('Connection: close\r\n\r\n'),
    response: new Promise((resolve) => socket.on('close', () => resolve(data))),
  };
}

describe('graceful shutdown of the built server (npm test builds it first)', () => {
  it('when SIGTERM arrives, then in-flight requests finish, new ones are refused, and the process exits 0', async () => {
    expect(fs.existsSync(main)).toBe(true);
    const port = await TestRedisServer.freePort();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-shutdown-'));
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const deadline = Date.now() + 15_000;
    while (!output.includes('Gatehouse listening')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const inFlight = halfRequest(port);
    await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const refused = await new Promise<boolean>((resolve) => {
      const probe = net.connect(port, '127.0.0.1');
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    inFlight.finish();
    const response = await inFlight.response;
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('X-Access-Decision: metered');
    expect(refused).toBe(true);
    expect(await exited).toBe(0);
    expect(output).toContain('shutting down: finishing in-flight requests');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
