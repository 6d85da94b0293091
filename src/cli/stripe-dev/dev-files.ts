import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { LedgerState } from './stripe-ledger';

/**
 * What the dev server keeps in DATA_DIR, beside the instance's own files:
 * - stripe-dev/secrets.json: its API key and webhook secret, made once, so that the settings
 *   given to the instance stay right across restarts of either;
 * - stripe-dev/state.json: its customers, sessions and subscriptions, so that a subscriber
 *   stays one after a restart (the instance keeps their ids);
 * - stripe-dev.env: the instance's settings, for `node --env-file`.
 */
export interface DevFiles {
  readonly dir: string;
  readonly envFile: string;
  readonly stateFile: string;
}

export function devFilesIn(dataDir: string): DevFiles {
  const dir = path.join(dataDir, 'stripe-dev');
  return { dir, envFile: path.join(dataDir, 'stripe-dev.env'), stateFile: path.join(dir, 'state.json') };
}

export interface DevSecrets {
  readonly secretKey: string;
  readonly webhookSecret: string;
}

const secretsSchema = z.object({ secretKey: z.string().startsWith('sk_test_'), webhookSecret: z.string().startsWith('whsec_') });

/** Letters and digits only: pasted into a shell or an env file as they are. */
const token = (bytes: number) => randomBytes(bytes).toString('base64url').replace(/[-_]/g, '');

/** Written whole or not at all, readable by its owner only (it holds secrets). */
function writePrivate(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/** The secrets made on the first run in this DATA_DIR, or new ones kept now. */
export function loadOrCreateSecrets(files: DevFiles): DevSecrets {
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  const file = path.join(files.dir, 'secrets.json');
  if (fs.existsSync(file)) {
    const kept = secretsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (kept.success) return kept.data;
    throw new Error(`${file} is not what the Stripe dev server wrote; delete it to make new secrets`);
  }
  const secrets = { secretKey: `sk_test_${token(24)}`, webhookSecret: `whsec_${token(24)}` };
  writePrivate(file, `${JSON.stringify(secrets, null, 2)}\n`);
  return secrets;
}

const stateSchema = z.object({
  customers: z.array(z.record(z.string(), z.unknown())),
  sessions: z.array(z.record(z.string(), z.unknown())),
  subscriptions: z.array(z.record(z.string(), z.unknown())),
  portalSessions: z.array(z.record(z.string(), z.unknown())),
  deletedCustomers: z.array(z.string()),
});

/** The state of the last run; none on the first, or when it cannot be read (said in `problem`). */
export function loadState(files: DevFiles): { state?: LedgerState; problem?: string } {
  if (!fs.existsSync(files.stateFile)) return {};
  try {
    const parsed = stateSchema.safeParse(JSON.parse(fs.readFileSync(files.stateFile, 'utf8')));
    return parsed.success ? { state: parsed.data } : { problem: `${files.stateFile} is not a state this server wrote; starting empty` };
  } catch (error) {
    return { problem: `${files.stateFile} could not be read (${(error as Error).message}); starting empty` };
  }
}

export function saveState(files: DevFiles, state: LedgerState): void {
  writePrivate(files.stateFile, JSON.stringify(state));
}

export function forgetState(files: DevFiles): void {
  fs.rmSync(files.stateFile, { force: true });
}

export function writeEnvFile(files: DevFiles, lines: readonly string[]): void {
  writePrivate(files.envFile, `# Written by gatehouse stripe-dev: the settings that point this instance at it.\n${lines.join('\n')}\n`);
}
