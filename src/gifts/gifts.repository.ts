import { randomUUID } from 'node:crypto';
import type { DatabaseHandle } from '../store/database';

export interface GiftLinkRow {
  readonly id: string;
  readonly article: string;
  readonly articlePath: string;
  readonly articleTitle: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly readerLimit: number;
  readonly readers: number;
}

export interface NewGiftLink {
  readonly tokenHash: string;
  readonly giverId: string;
  readonly article: string;
  readonly articlePath: string;
  readonly articleTitle: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly readerLimit: number;
}

/** Gift links and their readers (migration 0015), in SQLite or PostgreSQL. */
export class GiftsRepository {
  constructor(private readonly database: DatabaseHandle) {}

  /**
   * Stores a link unless the giver has `perMonth` since `monthStart` already: counted and
   * inserted in one transaction, the giver's account row locked first on PostgreSQL (SQLite
   * runs one write transaction at a time), so a burst of requests gets no more than the month's.
   */
  async createWithin(link: NewGiftLink, monthStart: Date, perMonth: number): Promise<string | undefined> {
    return this.database.db.transaction().execute(async (trx) => {
      if (this.database.dialect === 'postgres') await trx.selectFrom('accounts').select('id').where('id', '=', link.giverId).forUpdate().execute();
      const { n } = await trx
        .selectFrom('gift_links')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('giver_id', '=', link.giverId)
        .where('created_at', '>=', monthStart.toISOString())
        .executeTakeFirstOrThrow();
      if (Number(n) >= perMonth) return undefined;
      const id = randomUUID();
      await trx
        .insertInto('gift_links')
        .values({
          id,
          token_hash: link.tokenHash,
          giver_id: link.giverId,
          article: link.article,
          article_path: link.articlePath,
          article_title: link.articleTitle,
          created_at: link.createdAt.toISOString(),
          expires_at: link.expiresAt.toISOString(),
          revoked_at: null,
          reader_limit: link.readerLimit,
        })
        .execute();
      return id;
    });
  }

  async countSince(giverId: string, monthStart: Date): Promise<number> {
    const { n } = await this.database.db
      .selectFrom('gift_links')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('giver_id', '=', giverId)
      .where('created_at', '>=', monthStart.toISOString())
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /** The open link with this token for this article: not revoked, not expired. */
  async openLink(tokenHash: string, article: string, now: Date): Promise<{ id: string; readers: number; readerLimit: number } | undefined> {
    const row = await this.database.db
      .selectFrom('gift_links')
      .select(['id', 'readers', 'reader_limit'])
      .where('token_hash', '=', tokenHash)
      .where('article', '=', article)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    return row === undefined ? undefined : { id: row.id, readers: Number(row.readers), readerLimit: Number(row.reader_limit) };
  }

  async isReader(linkId: string, reader: string): Promise<boolean> {
    const row = await this.database.db.selectFrom('gift_readers').select('link_id').where('link_id', '=', linkId).where('reader', '=', reader).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Admits a reader to a link: already one of its readers, or a new one while it has a slot.
   * The reader row is inserted (unique per link), then the link's count raised only while it
   * is below the bound, in one transaction: a parallel burst of new readers on k free slots
   * admits exactly k (PostgreSQL re-checks the bound on the locked row; SQLite serialises).
   */
  async admit(linkId: string, reader: string): Promise<boolean> {
    return this.database.db.transaction().execute(async (trx) => {
      const inserted = await trx.insertInto('gift_readers').values({ link_id: linkId, reader }).onConflict((oc) => oc.columns(['link_id', 'reader']).doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return true;
      const raised = await trx
        .updateTable('gift_links')
        .set((eb) => ({ readers: eb('readers', '+', 1) }))
        .where('id', '=', linkId)
        .whereRef('readers', '<', 'reader_limit')
        .executeTakeFirst();
      if (Number(raised.numUpdatedRows) === 1) return true;
      await trx.deleteFrom('gift_readers').where('link_id', '=', linkId).where('reader', '=', reader).execute();
      return false;
    });
  }

  async linksOf(giverId: string): Promise<GiftLinkRow[]> {
    const rows = await this.database.db
      .selectFrom('gift_links')
      .select(['id', 'article', 'article_path', 'article_title', 'created_at', 'expires_at', 'revoked_at', 'reader_limit', 'readers'])
      .where('giver_id', '=', giverId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      article: r.article,
      articlePath: r.article_path,
      articleTitle: r.article_title,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      readerLimit: Number(r.reader_limit),
      readers: Number(r.readers),
    }));
  }

  /** Revokes one of the giver's own links; false when they have none by that id. */
  async revoke(id: string, giverId: string, now: Date): Promise<boolean> {
    const owned = await this.database.db.selectFrom('gift_links').select(['id', 'revoked_at']).where('id', '=', id).where('giver_id', '=', giverId).executeTakeFirst();
    if (owned === undefined) return false;
    if (owned.revoked_at === null) await this.database.db.updateTable('gift_links').set({ revoked_at: now.toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    return true;
  }
}
