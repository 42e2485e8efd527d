import type { Database } from './database.ts';

/*
 * When each customer last proved their address: opened a sign-in link mailed to it. Keyed by the pseudonymous
 * customer id (`host.customerId(email)`), never the address. What a ticket's verified state and a guest's filed-ticket
 * session are decided by (tickets/customer-verification.ts).
 */

/** Records that the customer opened a mailed link at `at` (ms); an earlier moment never replaces a later one. */
export async function recordAddressVerified(database: Database, customerId: string, at: number): Promise<void> {
  await database.db
    .insertInto('verified_addresses')
    .values({ customer_id: customerId, verified_at: at })
    .onConflict((oc) =>
      oc
        .column('customer_id')
        .doUpdateSet((eb) => ({ verified_at: eb.ref('excluded.verified_at') }))
        .whereRef('verified_addresses.verified_at', '<', 'excluded.verified_at'),
    )
    .execute();
}

/** When the customer last opened a link mailed to their address (ms); undefined: never. */
export async function addressVerifiedAt(database: Database, customerId: string): Promise<number | undefined> {
  const row = await database.db.selectFrom('verified_addresses').select('verified_at').where('customer_id', '=', customerId).executeTakeFirst();
  return row ? Number(row.verified_at) : undefined;
}
