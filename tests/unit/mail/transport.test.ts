import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailTransport } from '../../../src/mail/transport.ts';

const message = {
  to: 'customer@example.com',
  subject: 'Your ticket T-1001 — reply received',
  text: 'Hello Zoë,\nwe answered your ticket.',
  html: '<p>Hello Zoë,</p><p>we answered your ticket.</p>',
  headers: { 'X-Helpdesk-Event': 'reply:42' },
};

describe('mail folder transport', () => {
  it('writes one complete .eml file per message', async () => {
    const mailDir = mkdtempSync(path.join(tmpdir(), 'mail-'));
    const transport = createMailTransport({ from: 'Help <help@example.com>', mailDir });
    const sent = await transport.send(message);
    expect(readdirSync(mailDir)).toEqual([path.basename(sent.file!)]);
    const eml = readFileSync(sent.file!, 'utf8');
    expect(eml).toContain('To: customer@example.com');
    expect(eml).toContain('From: Help <help@example.com>');
    expect(eml).toContain('X-Helpdesk-Event: reply:42');
    expect(eml).toMatch(/Content-Type: multipart\/alternative/);
    expect(transport.description).toBe(`mail folder ${mailDir}`);
  });
});

describe('SMTP transport against a real SMTP server on loopback', () => {
  const received: { from: string; to: string[]; data: string }[] = [];
  let server: SMTPServer;
  let port: number;
  beforeAll(async () => {
    server = new SMTPServer({
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, callback) {
        if (auth.username === 'user' && auth.password === 'secret') callback(null, { user: auth.username });
        else callback(new Error('bad credentials'));
      },
      onData(stream, session, callback) {
        let data = '';
        stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), data });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('delivers the message with its envelope, and describes itself without the password', async () => {
    const transport = createMailTransport({ from: 'help@example.com', smtpUrl: `smtp://user:secret@127.0.0.1:${port}`, mailDir: 'unused' });
    await transport.send({ ...message, to: ['a@example.com', 'b@example.com'] });
    expect(received).toHaveLength(1);
    expect(received[0]?.from).toBe('help@example.com');
    expect(received[0]?.to).toEqual(['a@example.com', 'b@example.com']);
    expect(received[0]?.data).toMatch(/^Subject: .*T-1001/m);
    expect(transport.description).toBe(`SMTP 127.0.0.1:${port}`);
    expect(transport.description).not.toContain('secret');
  });
});
