/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** Set by the middleware on on-demand routes only. */
    services?: import('./server/services.ts').Services;
    /** The signed-in customer, if any. */
    customer?: import('./tickets/customer.ts').CustomerSession;
    /** The signed-in member of staff, on /staff routes. */
    staff?: import('./server/staff-access.ts').StaffSession;
  }
}
