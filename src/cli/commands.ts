import path from 'node:path';
import { ConfigError, parseConfig } from '../config/config';
import { openDatabase } from '../store/database';
import { migrateToLatest } from '../store/migrate';
import { AccountsRepository } from '../auth/accounts.repository';
import { emailSchema } from '../auth/email';

export const usage = `Usage: gatehouse <command>

Commands:
  migrate               apply pending database migrations
  admin grant <email>   make an account a publisher admin
  admin revoke <email>  take admin rights away from an account
`;

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one CLI command against the database the environment names; returns the exit code. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<number> {
  let config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`gatehouse: ${error.message}`);
    return 1;
  }
  const [command, sub, value] = args;
  const isAdminCommand = command === 'admin' && (sub === 'grant' || sub === 'revoke');
  if (command !== 'migrate' && !isAdminCommand) {
    io.err(usage);
    return 2;
  }
  const database = openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'gatehouse.sqlite') });
  try {
    if (command === 'migrate') {
      const applied = await migrateToLatest(database.db);
      io.out(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      return 0;
    }
    const email = emailSchema.safeParse(value ?? '');
    if (!email.success) {
      io.err(`gatehouse: admin ${sub} needs an email address`);
      return 2;
    }
    const changed = await new AccountsRepository(database.db).setAdmin(email.data, sub === 'grant');
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
