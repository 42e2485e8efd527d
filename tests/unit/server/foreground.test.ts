import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { countForeground, foregroundGauge } from '../../../src/server/foreground.ts';

describe('requests background work gives way to', () => {
  it('are pages, forms and APIs while answered; not webhooks, and not event streams that stay open for minutes', () => {
    const gauge = foregroundGauge();
    const before = gauge.inFlight;
    const open = (url: string, accept?: string) => {
      const res = new EventEmitter();
      countForeground({ url, headers: { accept } }, res);
      return res;
    };
    const page = open('/tickets/new', 'text/html');
    const form = open('/api/chat', 'application/json');
    open('/api/webhooks/git-host');
    const chatStream = open('/api/chat/T-ABCDEFGH/events', 'text/event-stream');
    const staffStream = open('/staff/events?ticket=3', 'text/event-stream');
    expect(gauge.inFlight - before).toBe(2);
    page.emit('close');
    form.emit('close');
    chatStream.emit('close');
    staffStream.emit('close');
    expect(gauge.inFlight).toBe(before);
  });
});
