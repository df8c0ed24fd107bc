import { describe, expect, it } from 'vitest';
import { InProcessBus, InProcessHub } from '../src/index.js';
import { busContract } from './bus-contract.js';

busContract('InProcessBus', async (options) => {
  const hub = new InProcessHub();
  const bus = new InProcessBus({ ...options, hub });
  const bus2 = new InProcessBus({ ...options, hub });
  return {
    bus,
    bus2,
    teardown: async () => {
      await Promise.all([bus.close(), bus2.close()]);
    },
  };
});

describe('InProcessBus specifics', () => {
  it('keeps separate hubs apart', async () => {
    const a = new InProcessBus();
    const b = new InProcessBus();
    a.subscribe('x', () => undefined);
    await expect(b.request('x', Buffer.from('x'), { timeoutMs: 100 })).rejects.toMatchObject({ code: 'NO_RESPONDERS' });
    await a.stream('s').append(Buffer.from('1'));
    expect(await b.stream('s').lastSequence()).toBe(0n);
    await Promise.all([a.close(), b.close()]);
  });

  it('copies payloads so publishers and subscribers cannot alias each other', async () => {
    const bus = new InProcessBus();
    const got: Buffer[] = [];
    bus.subscribe('x', (p) => {
      got.push(p);
      p[0] = 0;
    });
    bus.subscribe('x', (p) => void got.push(p));
    const payload = Buffer.from('abc');
    bus.publish('x', payload);
    payload[1] = 0x5a;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got.map((b) => b.toString('latin1'))).toEqual(['\u0000bc', 'abc']);
    await bus.close();
  });
});
