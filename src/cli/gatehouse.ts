#!/usr/bin/env node
import path from 'node:path';
import { ConfigError, parseConfig } from '../config/config';
import { openDatabase } from '../store/database';
import { migrateToLatest } from '../store/migrate';
import { AccountsRepository } from '../auth/accounts.repository';
import { emailSchema } from '../auth/email';

const usage = `Usage: gatehouse <command>

Commands:
  migrate               apply pending database migrations
  admin grant <email>   make an account a publisher admin
  admin revoke <email>  take admin rights away from an account
`;

async function run(args: string[]): Promise<number> {
  const config = parseConfig(process.env);
  const database = openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'gatehouse.sqlite') });
  try {
    const [command, sub, value] = args;
    if (command === 'migrate') {
      const applied = await migrateToLatest(database.db);
      console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      return 0;
    }
    if (command === 'admin' && (sub === 'grant' || sub === 'revoke')) {
      const email = emailSchema.safeParse(value ?? '');
      if (!email.success) {
        console.error(`gatehouse: admin ${sub} needs an email address`);
        return 2;
      }
      await migrateToLatest(database.db);
      const changed = await new AccountsRepository(database.db).setAdmin(email.data, sub === 'grant');
      if (!changed) {
        console.error(`gatehouse: no account with email ${email.data}`);
        return 1;
      }
      console.log(sub === 'grant' ? `${email.data} is now an admin.` : `${email.data} is no longer an admin.`);
      return 0;
    }
    console.error(usage);
    return 2;
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`gatehouse: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
