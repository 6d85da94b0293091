import { systemClock } from '../config/clock';
import path from 'node:path';
import { ConfigError, parseConfig } from '../config/config';
import { openDatabase } from '../store/database';
import { migrateToLatest } from '../store/migrate';
import { AccountsRepository } from '../auth/accounts.repository';
import { emailSchema } from '../auth/email';
import { ApiKeysRepository } from '../admin/api-keys.repository';
import { PasskeysRepository } from '../auth/passkeys/passkeys.repository';
import type { Db } from '../store/database';
import type { CliOutput } from './cli-output';
import { untilSignal } from './signals';
import { stripeDevCommand, stripeDevUsage } from './stripe-dev/stripe-dev.command';

export type { CliOutput } from './cli-output';

export const usage = `Usage: gatehouse <command>

Commands:
  migrate               apply pending database migrations
  admin grant <email>   make an account a publisher admin
  admin revoke <email>  take admin rights away from an account
  admin key create [label]  create an admin API key (printed once, stored hashed)
  admin key list            list API keys (never the keys themselves)
  admin key revoke <id>     revoke an API key at once
  passkeys remove <email>   remove every passkey of an account (an admin who lost theirs
                        under ADMIN_REQUIRE_PASSKEY signs in another way and adds a new one)
  stripe-dev [--port 12111] [--app <url>] [--price <price>]...
                        run a local Stripe to try subscriptions on this computer
                        (gatehouse stripe-dev --help for more)
`;

async function keyCommand(db: Db, args: readonly string[], io: CliOutput): Promise<number> {
  const keys = new ApiKeysRepository(db, systemClock);
  const [action, value] = args;
  if (action === 'create') {
    const { id, key } = await keys.create(args.slice(1).join(' ') || 'admin API key');
    io.out(key);
    io.err(`Created API key ${id}. Keep it now: it is stored hashed and cannot be shown again.`);
    io.err('Use it as the header "Authorization: Bearer <key>".');
    return 0;
  }
  if (action === 'list') {
    const all = await keys.list();
    if (all.length === 0) io.out('No API keys.');
    for (const k of all) io.out(`${k.id}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  created ${k.createdAt}  ${k.label}`);
    return 0;
  }
  if (action === 'revoke' && value) {
    if (!(await keys.revoke(value))) {
      io.err(`gatehouse: no active API key with id ${value}`);
      return 1;
    }
    io.out(`Revoked API key ${value}.`);
    return 0;
  }
  io.err(usage);
  return 2;
}

export interface CliOptions {
  /** For a command that runs until stopped: resolves when it should stop (default: SIGINT or SIGTERM). */
  readonly untilStopped?: () => Promise<unknown>;
}

/** Runs one CLI command against the database the environment names; returns the exit code. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput, options: CliOptions = {}): Promise<number> {
  let config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`gatehouse: ${error.message}`);
    return 1;
  }
  const [command, sub, value] = args;
  if (command === 'stripe-dev') {
    if (args.includes('--help')) {
      io.out(stripeDevUsage);
      return 0;
    }
    return stripeDevCommand(args.slice(1), config, io, options.untilStopped ?? untilSignal);
  }
  const isAdminCommand = command === 'admin' && (sub === 'grant' || sub === 'revoke' || sub === 'key');
  const isPasskeysCommand = command === 'passkeys' && sub === 'remove';
  if (command !== 'migrate' && !isAdminCommand && !isPasskeysCommand) {
    io.err(usage);
    return 2;
  }
  // Commands that migrate connect directly (MIGRATION_DATABASE_URL): Kysely's migrator holds
  // a session-level advisory lock, which a transaction pool would hand to other clients.
  const migrates = command === 'migrate' || sub === 'key';
  const database = openDatabase({ databaseUrl: migrates ? config.migrationDatabaseUrl : config.databaseUrl, sqliteFile: path.join(config.dataDir, 'gatehouse.sqlite') });
  try {
    if (command === 'migrate') {
      const applied = await migrateToLatest(database.db);
      io.out(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      return 0;
    }
    if (sub === 'key') {
      await migrateToLatest(database.db);
      return await keyCommand(database.db, args.slice(2), io);
    }
    const email = emailSchema.safeParse(value ?? '');
    if (!email.success) {
      io.err(`gatehouse: ${command} ${sub} needs an email address`);
      return 2;
    }
    const accounts = new AccountsRepository(database.db, systemClock);
    if (isPasskeysCommand) {
      const account = await accounts.findByEmail(email.data);
      if (account === undefined) {
        io.err(`gatehouse: no account with email ${email.data}`);
        return 1;
      }
      const removed = await new PasskeysRepository(database.db, systemClock).removeAllOf(account.id);
      io.out(`Removed ${removed} passkey${removed === 1 ? '' : 's'} of ${email.data}.`);
      return 0;
    }
    if (sub === 'grant') {
      // An address nobody has proven could be squatted by whoever signed up with it first.
      const account = await accounts.findByEmail(email.data);
      if (account !== undefined && account.emailVerifiedAt === undefined) {
        io.err(`gatehouse: ${email.data} has not verified its email address, so it cannot be made an admin. Ask its owner to confirm the address, then run this again: by following the link in the confirmation mail while signed in to the account, or by signing in with an emailed sign-in link (which removes any password set before the address was confirmed and ends every other session of the account, so whoever signed up with the address first keeps no way in).`);
        return 1;
      }
    }
    const changed = await accounts.setAdmin(email.data, sub === 'grant');
    if (!changed) {
      io.err(`gatehouse: no account with email ${email.data}`);
      return 1;
    }
    io.out(sub === 'grant' ? `${email.data} is now an admin.` : `${email.data} is no longer an admin.`);
    return 0;
  } finally {
    await database.close();
  }
}
