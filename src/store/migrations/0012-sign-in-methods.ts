import type { Kysely } from 'kysely';

/**
 * Ways in beside the password and the emailed link (SPEC section 6): identities at OpenID
 * Providers, and passkeys. Both go with their account when it is deleted.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One account per (issuer, subject): the subject is the issuer's stable id of the person,
  // never the email, which can change or be reused. Keyed by the issuer, not the provider's
  // name in OIDC_PROVIDERS: a name pointed at another issuer must not inherit the old one's
  // subjects. `provider` is the name it was linked with, for the account page.
  await db.schema
    .createTable('identities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('identities_issuer_subject').unique().on('identities').columns(['issuer', 'subject']).execute();
  await db.schema.createIndex('identities_account').on('identities').column('account_id').execute();

  // "Continue with <provider>" in flight: the authorization request (state, nonce, PKCE
  // verifier) between the redirect and the callback, keyed by a hash of a secret that only
  // the browser that started it holds in a cookie; spent by the callback, so a replayed or
  // planted callback finds nothing. `account_id` is the reader who was signed in (linking).
  await db.schema
    .createTable('oidc_requests')
    .addColumn('browser_hash', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('oidc_requests_expiry').on('oidc_requests').column('expires_at').execute();

  // An identity the provider vouched for that has no account yet, or whose email must first be
  // proven by a mailed link: bound to the browser (browser_hash) and, for a mailed link, to
  // the link too (link_hash), so that neither alone completes it. Single-use (used_at).
  await db.schema
    .createTable('oidc_pending')
    .addColumn('browser_hash', 'text', (c) => c.primaryKey())
    .addColumn('link_hash', 'text', (c) => c.unique())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_verified', 'integer', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('oidc_pending_expiry').on('oidc_pending').column('expires_at').execute();

  // A WebAuthn credential: its id (base64url) and COSE public key; the signature counter
  // catches a cloned authenticator that reports one.
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('transports', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();

  // A WebAuthn challenge waiting for its answer: kept here (not only in the session) so that
  // spending it is one atomic delete, which a replayed or parallel second answer cannot win.
  // Bound to the session that asked (a keyed hash of its id) and to the account adding a passkey.
  await db.schema
    .createTable('passkey_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('binding', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('passkey_challenges_binding').on('passkey_challenges').columns(['binding', 'purpose']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('passkey_challenges').execute();
  await db.schema.dropTable('passkeys').execute();
  await db.schema.dropTable('oidc_pending').execute();
  await db.schema.dropTable('oidc_requests').execute();
  await db.schema.dropTable('identities').execute();
}
