/** A signed-in customer. A session limited to one ticket came from that ticket's confirmation page. */
export interface CustomerSession {
  email: string;
  /** When set, the session may see only this ticket (the email was not verified). */
  ticket?: string;
}
