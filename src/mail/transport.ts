import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

/** One message as the support desk writes it; the transport adds From, Date and Message-ID. */
export interface MailMessage {
  to: string | readonly string[];
  subject: string;
  text: string;
  html?: string;
  /** Extra headers, e.g. `X-Helpdesk-Event` so a resend can be recognised. */
  headers?: Record<string, string>;
}

export interface SentMail {
  messageId: string;
  /** Where a file transport wrote the message. */
  file?: string;
}

export interface MailTransport {
  send(message: MailMessage): Promise<SentMail>;
  /** Human-readable destination for start-up logs. */
  readonly description: string;
}

export interface MailOptions {
  /** Sender address. @example "Northwind Help <help@example.com>" */
  from: string;
  /** SMTP server URL (`smtp://` or `smtps://`); without it mail goes to `mailDir` as `.eml` files. */
  smtpUrl?: string | undefined;
  /** Folder for `.eml` files when no SMTP server is configured. */
  mailDir: string;
}

function toNodemailer(message: MailMessage, from: string) {
  return {
    from,
    to: typeof message.to === 'string' ? message.to : [...message.to],
    subject: message.subject,
    text: message.text,
    ...(message.html === undefined ? {} : { html: message.html }),
    ...(message.headers === undefined ? {} : { headers: message.headers }),
  };
}

/** Writes each message as an RFC 822 `.eml` file that any mail program opens; the default on one machine. */
function fileTransport(options: MailOptions): MailTransport {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `mail folder ${options.mailDir}`,
    async send(message) {
      const info = await builder.sendMail(toNodemailer(message, options.from));
      await mkdir(options.mailDir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(options.mailDir, `${stamp}-${randomUUID().slice(0, 8)}.eml`);
      // Write then rename, so a reader of the folder never sees half a message.
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
      return { messageId: info.messageId, file };
    },
  };
}

function smtpTransport(options: MailOptions & { smtpUrl: string }): MailTransport {
  const transporter = nodemailer.createTransport(options.smtpUrl);
  const url = new URL(options.smtpUrl);
  return {
    // The URL may hold a password: describe it by host only.
    description: `SMTP ${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`,
    async send(message) {
      const info = await transporter.sendMail(toNodemailer(message, options.from));
      return { messageId: info.messageId };
    },
  };
}

/** SMTP when configured, else `.eml` files in the mail folder. */
export function createMailTransport(options: MailOptions): MailTransport {
  return options.smtpUrl ? smtpTransport({ ...options, smtpUrl: options.smtpUrl }) : fileTransport(options);
}
