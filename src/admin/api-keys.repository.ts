import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../config/clock';
import type { Db } from '../store/database';

export interface ApiKeySummary {
  readonly id: string;
  readonly label: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** The keys are 256 random bits, so a fast hash is enough: nothing to brute-force. */
function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class ApiKeysRepository {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Creates a key and returns it; only its hash is stored, so it is shown this once. */
  async create(label: string): Promise<{ id: string; key: string }> {
    const id = randomUUID();
    const key = `gh_${randomBytes(32).toString('base64url')}`;
    await this.db.insertInto('api_keys').values({ id, key_hash: hashKey(key), label, created_at: new Date(this.clock()).toISOString(), revoked_at: null }).execute();
    return { id, key };
  }

  /** The key's id when it exists and is not revoked. */
  async verify(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .select('id')
      .where('key_hash', '=', hashKey(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row?.id;
  }

  async list(): Promise<ApiKeySummary[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({ id: r.id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  async revoke(id: string): Promise<boolean> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: new Date(this.clock()).toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
