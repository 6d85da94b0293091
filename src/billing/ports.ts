/** What billing needs from other modules, declared here so that the arrows point one way. */

/** The account a Checkout is for (auth's accounts repository satisfies it). */
export interface AccountLookup {
  findById(id: string): Promise<{ id: string; email: string; emailVerifiedAt?: string } | undefined>;
}

/** The meter's cached entitlement of an account, dropped when billing changes the stored one. */
export interface EntitlementCache {
  forgetEntitlement(accountId: string): Promise<void>;
}
