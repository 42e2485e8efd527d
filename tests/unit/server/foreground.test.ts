import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait.ts';
import { countForeground, foregroundGauge, giveWayToForeground } from '../../../src/server/foreground.ts';

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

  it('holds background work while a request is in flight, until it is answered, the work stops, or the wait is over', async () => {
    const gauge = foregroundGauge();
    gauge.inFlight += 1;
    try {
      let looks = 0;
      let settled = false;
      const waiting = giveWayToForeground(() => {
        looks += 1;
        return false;
      }, 60_000).then(() => {
        settled = true;
      });
      await waitFor('a few looks at the gauge', () => looks >= 5);
      expect(settled).toBe(false);
      gauge.inFlight -= 1;
      await waiting;
      gauge.inFlight += 1;
      // Stopping ends the wait at once; so does its bound.
      let stopped = false;
      const stopping = giveWayToForeground(() => stopped, 60_000);
      stopped = true;
      await stopping;
      await giveWayToForeground(() => false, 20);
    } finally {
      gauge.inFlight -= 1;
    }
  });
});
