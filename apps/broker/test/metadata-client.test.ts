import { InProcessBus, replyJson, type Subscription } from '@strom/bus';
import {
  MetadataSubjects,
  type BrokerHeartbeatReply,
  type BrokerInfo,
  type ClusterSnapshot,
  type RegisterBrokerReply,
} from '@strom/contracts';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterView } from '../src/cluster/cluster-view.js';
import { MetadataClient } from '../src/cluster/metadata-client.js';

const broker = (id: number): BrokerInfo => ({
  id,
  endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 'PLAINTEXT' }],
  rack: null,
  epoch: '1',
  fenced: false,
});

describe('the broker metadata client', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  // NATS core delivers an announcement at most once: a broker that misses one must still catch
  // up, not serve stale metadata until the next change happens to be announced.
  it('catches up on a change whose announcement it missed, by the version its heartbeat answers', async () => {
    const bus = new InProcessBus();
    closers.push(() => bus.close());
    let snapshot: ClusterSnapshot = {
      version: '1',
      clusterId: 'c',
      controllerId: 1,
      brokers: [broker(1)],
      topics: [],
      brokerConfigs: { cluster: {}, brokers: {} },
      groupConfigs: {},
    };
    const subscriptions: Subscription[] = [
      replyJson(bus, MetadataSubjects.registerBroker, async (): Promise<RegisterBrokerReply> => ({
        epoch: '1',
        version: snapshot.version,
      })),
      replyJson(bus, MetadataSubjects.snapshot, async () => snapshot),
      replyJson(bus, MetadataSubjects.brokerHeartbeat, async (): Promise<BrokerHeartbeatReply> => ({
        ok: true,
        version: snapshot.version,
      })),
    ];
    closers.push(async () => {
      for (const subscription of subscriptions) await subscription.unsubscribe();
    });
    await Promise.all(subscriptions.map((subscription) => subscription.ready));

    const view = new ClusterView();
    const client = new MetadataClient(
      bus,
      view,
      { brokerId: 1, endpoints: broker(1).endpoints, rack: null, leaseMs: 3000, heartbeatIntervalMs: 50, requestTimeoutMs: 2000 },
      createLogger('test', 'silent'),
    );
    await client.start();
    closers.push(() => client.stop());
    expect(view.liveBrokers().map((b) => b.id)).toEqual([1]);

    // Broker 2 registers; the announcement of version 2 is lost (never published).
    snapshot = { ...snapshot, version: '2', brokers: [broker(1), broker(2)] };
    const caughtUp = await view.waitForVersion(2n, 2000);
    expect(caughtUp).toBe(true);
    expect(view.liveBrokers().map((b) => b.id)).toEqual([1, 2]);
  });
});
