import { describe, expect, it } from 'vitest';
import { InProcessBus, InProcessHub, MeteredBus } from '../src/index.js';
import { busContract } from './bus-contract.js';

// The decorator must keep every promise of the contract.
busContract('MeteredBus over InProcessBus', async (options) => {
  const hub = new InProcessHub();
  const bus = new MeteredBus(new InProcessBus({ ...options, hub }));
  const bus2 = new MeteredBus(new InProcessBus({ ...options, hub }));
  return { bus, bus2, teardown: async () => void (await Promise.all([bus.close(), bus2.close()])) };
});

describe('MeteredBus', () => {
  it('counts requests, failures, replies, publishes, deliveries and stream appends per subject', async () => {
    const hub = new InProcessHub();
    const client = new MeteredBus(new InProcessBus({ hub }));
    const server = new MeteredBus(new InProcessBus({ hub }));
    const replying = server.reply('svc.echo', (payload) => payload);
    const subscribed = server.subscribe('events.>', () => undefined);
    await Promise.all([replying.ready, subscribed.ready]);
    await client.request('svc.echo', Buffer.from('a'), { timeoutMs: 1_000 });
    await client.request('svc.echo', Buffer.from('b'), { timeoutMs: 1_000 });
    await expect(client.request('svc.nobody', Buffer.from('c'), { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
    client.publish('events.one', Buffer.from('x'));
    await client.stream('log').append(Buffer.from('entry'));
    await new Promise((resolve) => setTimeout(resolve, 20));

    const sent = client.figures();
    expect(sent.subjects.get('svc.echo')).toMatchObject({ requests: 2, failedRequests: 0, replies: 0 });
    expect(sent.subjects.get('svc.echo')!.requestMs).toBeGreaterThan(0);
    expect(sent.subjects.get('svc.nobody')).toMatchObject({ requests: 1, failedRequests: 1 });
    expect(sent.subjects.get('events.one')).toMatchObject({ published: 1 });
    expect(sent.requestsInFlight).toBe(0);
    expect(sent.streamAppends).toBe(1);
    const served = server.figures();
    expect(served.subjects.get('svc.echo')).toMatchObject({ replies: 2, requests: 0 });
    expect(served.subjects.get('events.>')).toMatchObject({ received: 1 });
    await Promise.all([client.close(), server.close()]);
  });
});
