import type { Generated } from 'kysely';

/**
 * Timestamps are ISO-8601 UTC strings (`Date#toISOString`) on both dialects, so one
 * repository code path reads the same values from SQLite and PostgreSQL and they sort
 * correctly as text. Booleans are 0/1 integers for the same reason.
 */
export interface AccountsTable {
  id: string;
  email: string;
  /** Empty for an account made by an emailed link, until the reader sets a password. */
  password_hash: string;
  is_admin: number;
  created_at: string;
  updated_at: string;
  email_verified_at: string | null;
}

export interface PoliciesTable {
  id: Generated<number>;
  document: 'terms' | 'privacy';
  version: string;
  body: string;
  effective_at: string;
  created_at: string;
}

export interface ConsentsTable {
  id: Generated<number>;
  account_id: string;
  document: 'terms' | 'privacy' | 'newsletter';
  policy_version: string;
  wording: string;
  method: 'signup' | 'signup-email' | 'signup-oidc' | 'reaccept' | 'optin' | 'withdraw';
  accepted_at: string;
}

export interface SessionsTable {
  sid: string;
  account_id: string | null;
  data: string;
  expires_at: number;
}

export interface SettingsTable {
  name: string;
  value: string;
  version: number;
  updated_at: string;
}

export interface MeterReadsTable {
  reader_key: string;
  article_id: string;
  read_at: number;
}

export interface MeterNewReadersTable {
  network: string;
  readers: number;
  expires_at: number;
}

export interface EntitlementsTable {
  account_id: string;
  status: string;
  valid_until: string | null;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  key_hash: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export interface BillingCustomersTable {
  account_id: string;
  customer_id: string;
  created_at: string;
}

export interface SubscriptionsTable {
  id: string;
  account_id: string;
  customer_id: string;
  status: string;
  status_since: string;
  price_id: string | null;
  current_period_end: string | null;
  cancel_at_period_end: number;
  /** 1 once Stripe showed it in a trial (0013): its account is offered no other trial. */
  had_trial: Generated<number>;
  updated_at: string;
}

export interface StripeEventsTable {
  id: string;
  type: string;
  outcome: string;
  received_at: string;
}

export interface PasswordResetsTable {
  token_hash: string;
  account_id: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface EmailTokensTable {
  token_hash: string;
  purpose: 'signin' | 'signup' | 'verify' | 'change';
  account_id: string | null;
  email: string;
  return_to: string;
  code_hash: string | null;
  code_tries: number;
  expires_at: string;
  used_at: string | null;
  created_at: string;
  /** A sign-up link asked for with the newsletter box ticked (1), or not (0/null): 0016. */
  newsletter: number | null;
}

export interface FunnelReadersTable {
  day: string;
  stage: string;
  reader: string;
}

/** Distinct readers per institution and UTC month (embedded mode); `reader` is a keyed hash, never an account id. */
export interface InstitutionReadersTable {
  month: string;
  institution_id: string;
  reader: string;
}

/** Origin cache purges for instances without Redis; `request` is the purge as JSON. */
export interface OriginPurgesTable {
  id: Generated<number>;
  request: string;
  created_at: number;
}

/** An account's identity at an OpenID Provider: `subject` is the provider's `sub`. */
export interface IdentitiesTable {
  id: string;
  account_id: string;
  /** The name in OIDC_PROVIDERS it was linked with (the account page's label). */
  provider: string;
  /** The issuer's identifier (OIDC_<NAME>_ISSUER, normalised): with `subject`, who this is. */
  issuer: string;
  subject: string;
  /** The email the provider gave when linked, for the account page. */
  email: string | null;
  linked_at: string;
  last_used_at: string | null;
}

/** An authorization request to an OpenID Provider between the redirect and the callback. */
export interface OidcRequestsTable {
  /** sha256 of the secret in the browser's cookie. */
  browser_hash: string;
  provider: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  /** The signed-in reader who started it, to link the identity to. */
  account_id: string | null;
  expires_at: string;
  used_at: string | null;
}

/** An identity waiting for the reader's consent (new account) or for its email to be proven. */
export interface OidcPendingTable {
  browser_hash: string;
  /** sha256 of the mailed link's token; null when no mail was needed. */
  link_hash: string | null;
  provider: string;
  subject: string;
  email: string;
  /** 1 when the provider said the email is verified. */
  email_verified: number;
  return_to: string;
  expires_at: string;
  used_at: string | null;
}

/** A WebAuthn credential (`id` and `public_key` base64url; `transports` comma-separated). */
export interface PasskeysTable {
  id: string;
  account_id: string;
  public_key: string;
  /** bigint: PostgreSQL answers it as a string, SQLite as a number; read it with Number(). */
  counter: number | string;
  transports: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface PasskeyChallengesTable {
  /** SHA-256 (hex) of the challenge sent to the browser. */
  id: string;
  purpose: 'register' | 'signin';
  /** HMAC of the asking session's id. */
  binding: string;
  account_id: string | null;
  expires_at: string;
}

/** Gift links (SPEC section 13): only the token's hash is kept; `article` is the article's identity. */
export interface GiftLinksTable {
  id: string;
  token_hash: string;
  giver_id: string;
  article: string;
  article_path: string;
  article_title: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  reader_limit: number;
  readers: Generated<number>;
}

/** The distinct readers of a gift link; `reader` is a keyed hash of the reader key. */
export interface GiftReadersTable {
  link_id: string;
  reader: string;
}

/** A member of a group subscription (0017): one group per member; `email` is the address invited. */
export interface GroupMembersTable {
  member_id: string;
  owner_id: string;
  email: string;
  joined_at: string;
}

/** A pending invitation to a group (0017): only the token's hash is kept; spent (deleted) by the join. */
export interface GroupInvitationsTable {
  id: string;
  owner_id: string;
  email: string;
  token_hash: string;
  invited_at: string;
  expires_at: string;
}

/**
 * A trial taken (0018): kept when the account is deleted, so the same reader is offered no
 * second one. Keyed hashes only: of the normalised email or the account id, and of the subscription.
 */
export interface TrialClaimsTable {
  key_hash: string;
  subscription_hash: string;
  claimed_at: string;
}

export interface Database {
  accounts: AccountsTable;
  policies: PoliciesTable;
  consents: ConsentsTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  meter_reads: MeterReadsTable;
  meter_new_readers: MeterNewReadersTable;
  entitlements: EntitlementsTable;
  api_keys: ApiKeysTable;
  billing_customers: BillingCustomersTable;
  subscriptions: SubscriptionsTable;
  stripe_events: StripeEventsTable;
  password_resets: PasswordResetsTable;
  funnel_readers: FunnelReadersTable;
  email_tokens: EmailTokensTable;
  origin_purges: OriginPurgesTable;
  identities: IdentitiesTable;
  oidc_requests: OidcRequestsTable;
  oidc_pending: OidcPendingTable;
  passkeys: PasskeysTable;
  passkey_challenges: PasskeyChallengesTable;
  institution_readers: InstitutionReadersTable;
  gift_links: GiftLinksTable;
  gift_readers: GiftReadersTable;
  group_members: GroupMembersTable;
  group_invitations: GroupInvitationsTable;
  trial_claims: TrialClaimsTable;
}
