import { Page } from './html.ts';

/** A tiny cookie-keeping HTTP client for endpoint tests: what a browser without JavaScript does. */
export class SiteClient {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  constructor(base: string) {
    this.base = base;
  }

  /** Sends a request with this client's cookies and the site's Origin (unless `origin` is given or null). */
  async fetch(path: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && init.origin !== null) headers.set('Origin', init.origin ?? this.base);
    const response = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    return response;
  }

  /**
   * Follows an emailed sign-in link the way a person does: opens it (which signs nothing in) and presses
   * Continue on the page, which posts the token. Returns the answer to that post.
   */
  async followSignInLink(link: string): Promise<Response> {
    const page = await this.fetch(link);
    const html = await page.text();
    if (page.status !== 200) return new Response(html, { status: page.status, headers: page.headers });
    const token = new Page(html).attr('form[action="/tickets/access"] input[name="token"]', 'value');
    if (token === undefined) throw new Error(`the sign-in page ${link} shows no Continue form:\n${html.slice(0, 500)}`);
    return this.post('/tickets/access', { token });
  }

  /** Posts a form as multipart/form-data, the way the site's forms send it. */
  post(path: string, fields: Record<string, string | Blob | readonly (string | Blob)[]>, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item instanceof File) form.append(name, item, item.name);
        else form.append(name, item as string | Blob);
      }
    }
    return this.fetch(path, { ...init, method: 'POST', body: form });
  }
}
