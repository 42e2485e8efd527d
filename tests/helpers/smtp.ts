// A real SMTP server on loopback that keeps every message it accepts, decoded enough to read (workflow tests, the
// multi-instance bench).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the SMTP server received it, decoded. */
export interface CapturedMail {
  to: string[];
  subject: string;
  event: string;
  text: string;
  html: string;
  raw: string;
  /** When the server accepted it (ms since epoch). */
  at: number;
  /** Which listener took it (`startSmtp`'s `via`): tells apart the senders of one run. */
  via?: string;
}

function decodePart(headers: string, body: string): string {
  if (/content-transfer-encoding:\s*base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(headers)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function decodeHeader(value: string): string {
  return value.replace(/\r?\n\s+/g, ' ').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

/** Splits a raw message into its text and HTML parts (enough MIME for nodemailer's output). */
export function parseMail(raw: string, to: string[]): CapturedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split);
  const header = (name: string) => decodeHeader(new RegExp(`^${name}:\\s*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head)?.[1] ?? '');
  const parts: Record<string, string> = {};
  for (const part of raw.split(/\r?\n--[^\r\n]+/)) {
    const at = part.indexOf('\r\n\r\n');
    if (at === -1) continue;
    const h = part.slice(0, at);
    const type = /content-type:\s*text\/(plain|html)/i.exec(h)?.[1];
    if (type) parts[type] = decodePart(h, part.slice(at + 4));
  }
  const lf = (x: string) => x.replace(/\r\n/g, '\n');
  return { to, subject: header('Subject'), event: header('X-Helpdesk-Event'), text: lf(parts['plain'] ?? ''), html: lf(parts['html'] ?? ''), raw, at: Date.now() };
}

/**
 * A real SMTP server on 127.0.0.1 that keeps every message; `failNext` refuses the next deliveries. Several servers
 * can share one `mails` list, each naming itself in `via`, so a run knows which sender delivered each copy.
 */
export async function startSmtp(options: { mails?: CapturedMail[]; via?: string } = {}): Promise<{ url: string; mails: CapturedMail[]; failNext: (n: number) => void; close: () => Promise<void> }> {
  const mails: CapturedMail[] = options.mails ?? [];
  let failures = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          return callback(Object.assign(new Error('451 try again later'), { responseCode: 451 }));
        }
        const mail = parseMail(
          Buffer.from(data, 'latin1').toString('latin1'),
          session.envelope.rcptTo.map((r) => r.address),
        );
        mails.push(options.via === undefined ? mail : { ...mail, via: options.via });
        callback();
      });
    },
  });
  // A client that dies mid-session (a server process killed with SIGKILL) resets its connection: not our error.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    failNext: (n) => (failures = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Whether every copy of a mail but the last is the documented at-least-once edge: sent by a process that was then
 * killed (`ended` gives, per sender named in `via`, when its kill was seen) before the next copy went out, so it
 * never recorded the send and another worker sent the mail again once the lease ran out. Any other copy is a fault.
 * Senders are told apart by the SMTP listener each process life used, not by timestamps: a copy is stamped when this
 * process reads it, which under load can be after the sender died.
 */
export function sentAgainAfterAKill(copies: readonly Pick<CapturedMail, 'at' | 'via'>[], ended: ReadonlyMap<string, number>): boolean {
  const inOrder = [...copies].sort((a, b) => a.at - b.at);
  return inOrder.slice(0, -1).every((copy, i) => {
    const death = copy.via === undefined ? undefined : ended.get(copy.via);
    return death !== undefined && (inOrder[i + 1] as { at: number }).at >= death;
  });
}
