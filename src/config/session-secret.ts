import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';

/**
 * SESSION_SECRET when set; on the embedded default, a random secret created once in
 * DATA_DIR so that sessions survive restarts without any setting.
 */
export function resolveSessionSecret(config: Config): Config & { sessionSecret: string } {
  if (config.sessionSecret !== undefined) return { ...config, sessionSecret: config.sessionSecret };
  const file = path.join(config.dataDir, 'session-secret');
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { ...config, sessionSecret: fs.readFileSync(file, 'utf8').trim() };
}
