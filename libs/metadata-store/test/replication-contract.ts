import { ErrorCode } from '@strom/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlterPartitionInput, MetadataStore } from '../src/index.js';

const defaults = { uncleanLeaderElection: false };
const LEASE_MS = 60_000;

/**
 * Membership, fencing, elections and AlterPartition as store transactions, on every database the
 * store runs on: the compare-and-set on the partition epoch must hold on each.
 */
export function replicationContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`broker membership and partition changes on ${name}`, () => {
    let store: MetadataStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** Registers brokers with a long lease; returns their epochs by id. */
    async function brokers(...ids: number[]): Promise<Map<number, bigint>> {
      const epochs = new Map<number, bigint>();
      for (const id of ids) {
        const { broker } = await store.membership.register(
          { id, endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 9000 + id, securityProtocol: 'PLAINTEXT' }], leaseMs: LEASE_MS },
          defaults,
        );
        epochs.set(id, broker.epoch);
      }
      return epochs;
    }

    async function partition(topic: string, index = 0) {
      return (await store.topics.byName(topic))!.partitions[index]!;
    }

    /** Makes a broker's lease run out now, as if it stopped heartbeating. */
    async function expire(id: number, epoch: bigint): Promise<void> {
      expect(await store.brokers.renewLease(id, epoch, -1)).toBe(true);
    }

    it('AlterPartition is a compare-and-set on the partition epoch: of two concurrent proposals one wins', async () => {
      const epochs = await brokers(11, 12, 13);
      const topic = await store.topics.create({ name: 'alter-cas', assignments: [[11, 12, 13]] });
      const start = topic.partitions[0]!;
      const proposal = (isr: number[]): AlterPartitionInput => ({
        brokerId: 11,
        brokerEpoch: epochs.get(11)!,
        topicId: topic.id,
        partitionIndex: 0,
        leaderEpoch: start.leaderEpoch,
        partitionEpoch: start.partitionEpoch,
        newIsr: isr.map((id) => ({ brokerId: id, brokerEpoch: epochs.get(id)! })),
        leaderRecoveryState: 'RECOVERED',
      });
      const before = await store.version();
      const outcomes = await Promise.all([store.partitions.alter(proposal([11, 12])), store.partitions.alter(proposal([11, 13]))]);
      const winners = outcomes.filter((outcome) => outcome.errorCode === ErrorCode.NONE);
      const losers = outcomes.filter((outcome) => outcome.errorCode !== ErrorCode.NONE);
      expect(winners).toHaveLength(1);
      expect(losers.map((outcome) => outcome.errorCode)).toEqual([ErrorCode.INVALID_UPDATE_VERSION]);
      expect(winners[0]).toMatchObject({
        changed: true,
        partition: { partitionEpoch: start.partitionEpoch + 1, leaderEpoch: start.leaderEpoch },
      });
      expect(await store.version()).toBe(before + 1n);
      expect((await partition('alter-cas')).isr).toEqual(winners[0]!.partition!.isr);
    });

    it('AlterPartition refuses stale broker epochs, of the leader (STALE_BROKER_EPOCH) and of an ISR member (INELIGIBLE_REPLICA)', async () => {
      const epochs = await brokers(14, 15);
      const topic = await store.topics.create({ name: 'alter-stale', assignments: [[14, 15]] });
      const start = topic.partitions[0]!;
      const base: AlterPartitionInput = {
        brokerId: 14,
        brokerEpoch: epochs.get(14)!,
        topicId: topic.id,
        partitionIndex: 0,
        leaderEpoch: start.leaderEpoch,
        partitionEpoch: start.partitionEpoch,
        newIsr: [{ brokerId: 14, brokerEpoch: epochs.get(14)! }],
        leaderRecoveryState: 'RECOVERED',
      };
      expect((await store.partitions.alter({ ...base, brokerEpoch: epochs.get(14)! - 1n })).errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
      const shrunk = await store.partitions.alter(base);
      expect(shrunk).toMatchObject({ errorCode: ErrorCode.NONE, changed: true, partition: { isr: [14] } });
      // Broker 15 restarts: its new epoch is registered; the leader still names the old one.
      const restarted = await brokers(15);
      const expand = { ...base, partitionEpoch: shrunk.partition!.partitionEpoch };
      const stale = await store.partitions.alter({ ...expand, newIsr: [...base.newIsr, { brokerId: 15, brokerEpoch: epochs.get(15)! }] });
      expect(stale.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
      const fresh = await store.partitions.alter({
        ...expand,
        newIsr: [...base.newIsr, { brokerId: 15, brokerEpoch: restarted.get(15)! }],
      });
      expect(fresh).toMatchObject({ errorCode: ErrorCode.NONE, partition: { isr: [14, 15] } });
      const again = await store.partitions.alter({
        ...expand,
        partitionEpoch: fresh.partition!.partitionEpoch,
        newIsr: fresh.partition!.isr.map((id) => ({ brokerId: id, brokerEpoch: -1n })),
      });
      expect(again).toMatchObject({ errorCode: ErrorCode.NONE, changed: false });
    });

    it('fences an expired broker epoch and elects from the ISR in one transaction, once', async () => {
      const epochs = await brokers(21, 22, 23);
      await store.topics.create({
        name: 'failover',
        assignments: [
          [21, 22, 23],
          [22, 21, 23],
          [23, 22],
        ],
      });
      const [led, followed, untouched] = [await partition('failover', 0), await partition('failover', 1), await partition('failover', 2)];
      await expire(21, epochs.get(21)!);
      const before = await store.version();
      const outcome = await store.membership.fence(21, epochs.get(21)!, 'test', defaults);
      expect(outcome.status).toBe('fenced');
      expect(await store.version()).toBe(before + 1n);
      const failover = 'failover' in outcome ? outcome.failover : undefined;
      expect(failover).toMatchObject({
        brokerId: 21,
        brokerEpoch: epochs.get(21),
        reason: 'lease-expired',
        version: before + 1n,
        fencedBy: 'test',
      });
      expect(failover!.partitions.map((p) => [p.topic, p.partitionIndex, p.leaderId, p.isr])).toEqual([
        ['failover', 0, 22, [22, 23]],
        ['failover', 1, 22, [22, 23]],
      ]);
      expect(await partition('failover', 0)).toMatchObject({
        leaderId: 22,
        leaderEpoch: led.leaderEpoch + 1,
        partitionEpoch: led.partitionEpoch + 1,
      });
      expect(await partition('failover', 1)).toMatchObject({ leaderId: 22, leaderEpoch: followed.leaderEpoch, isr: [22, 23] });
      expect(await partition('failover', 2)).toEqual(untouched);
      expect((await store.brokers.list()).find((broker) => broker.id === 21)?.fenced).toBe(true);
      expect(await store.brokers.renewLease(21, epochs.get(21)!, LEASE_MS)).toBe(false);

      const second = await store.membership.fence(21, epochs.get(21)!, 'test', defaults);
      expect(second).toEqual({ status: 'already-fenced', failover });
      expect(await store.version()).toBe(before + 1n);
      expect((await store.membership.pendingFailovers()).map((f) => f.brokerId)).toContain(21);
      const completed = await store.membership.completeFailover(21, epochs.get(21)!, { confirmedLeaders: [22], workflowId: 'wf' });
      expect(completed).toMatchObject({ confirmedLeaders: [22], workflowId: 'wf' });
      expect(completed!.completedAt).toBeInstanceOf(Date);
      expect((await store.membership.pendingFailovers()).map((f) => f.brokerId)).not.toContain(21);
    });

    it('tells when the next running lease of an unfenced broker runs out (past and fenced ones left out)', async () => {
      const epochs = await brokers(91, 92);
      const now = new Date();
      const next = await store.brokers.nextLeaseExpiry(now);
      expect(next).not.toBeNull();
      expect(next!.getTime()).toBeGreaterThan(now.getTime());
      await expire(91, epochs.get(91)!);
      await store.brokers.fence(92, epochs.get(92)!);
      const later = await store.brokers.nextLeaseExpiry(new Date(now.getTime() + LEASE_MS + 1000));
      expect(later).toBeNull();
    });

    it('does not fence a broker whose lease is still valid, nor an epoch it moved past', async () => {
      const epochs = await brokers(24);
      expect(await store.membership.fence(24, epochs.get(24)!, 'test', defaults)).toEqual({ status: 'alive' });
      expect(await store.membership.fence(24, epochs.get(24)! - 1n, 'test', defaults)).toEqual({ status: 'superseded' });
    });

    it('keeps the last ISR member leaderless, and elects it cleanly when it registers again', async () => {
      const epochs = await brokers(31, 32);
      await store.topics.create({ name: 'sole', assignments: [[31, 32]] });
      await expire(32, epochs.get(32)!);
      await store.membership.fence(32, epochs.get(32)!, 'test', defaults);
      expect(await partition('sole')).toMatchObject({ leaderId: 31, isr: [31] });
      await expire(31, epochs.get(31)!);
      await store.membership.fence(31, epochs.get(31)!, 'test', defaults);
      const leaderless = await partition('sole');
      expect(leaderless).toMatchObject({ leaderId: -1, isr: [31] });
      // 32 is back first: out of sync, so no clean election, and unclean is off.
      expect(
        (
          await store.membership.register(
            { id: 32, endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 'PLAINTEXT' }], leaseMs: LEASE_MS },
            defaults,
          )
        ).elected,
      ).toEqual([]);
      expect(await partition('sole')).toMatchObject({ leaderId: -1, isr: [31] });
      const back = await store.membership.register(
        { id: 31, endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 'PLAINTEXT' }], leaseMs: LEASE_MS },
        defaults,
      );
      expect(back.elected.map((p) => [p.topic, p.leaderId])).toEqual([['sole', 31]]);
      expect(await partition('sole')).toMatchObject({
        leaderId: 31,
        isr: [31],
        leaderEpoch: leaderless.leaderEpoch + 1,
        leaderRecoveryState: 'RECOVERED',
      });
    });

    it('elects an out-of-sync replica, RECOVERING, only where the topic allows unclean election', async () => {
      const epochs = await brokers(41, 42);
      await store.topics.create({ name: 'unclean', assignments: [[41, 42]], configs: { 'unclean.leader.election.enable': 'true' } });
      await store.topics.create({ name: 'clean', assignments: [[41, 42]] });
      for (const topic of ['unclean', 'clean']) {
        const { id } = (await store.topics.byName(topic))!;
        const current = await partition(topic);
        const shrunk = await store.partitions.alter({
          brokerId: 41,
          brokerEpoch: epochs.get(41)!,
          topicId: id,
          partitionIndex: 0,
          leaderEpoch: current.leaderEpoch,
          partitionEpoch: current.partitionEpoch,
          newIsr: [{ brokerId: 41, brokerEpoch: epochs.get(41)! }],
          leaderRecoveryState: 'RECOVERED',
        });
        expect(shrunk.errorCode).toBe(ErrorCode.NONE);
      }
      await expire(41, epochs.get(41)!);
      await store.membership.fence(41, epochs.get(41)!, 'test', defaults);
      expect(await partition('unclean')).toMatchObject({ leaderId: 42, isr: [42], leaderRecoveryState: 'RECOVERING' });
      expect(await partition('clean')).toMatchObject({ leaderId: -1, isr: [41], leaderRecoveryState: 'RECOVERED' });
    });

    it('a restart before the lease ran out fences the previous epoch and moves its leaderships', async () => {
      const epochs = await brokers(51, 52);
      await store.topics.create({ name: 'restart', assignments: [[51, 52]] });
      const again = await store.membership.register(
        { id: 51, endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 'PLAINTEXT' }], leaseMs: LEASE_MS },
        defaults,
      );
      expect(again.broker.epoch).toBe(epochs.get(51)! + 1n);
      expect(again.fencedPrevious).toMatchObject({ brokerId: 51, brokerEpoch: epochs.get(51), reason: 'restarted' });
      expect(again.fencedPrevious!.version).toBe(await store.version());
      expect(await partition('restart')).toMatchObject({ leaderId: 52, isr: [52] });
      expect(await store.membership.failover(51, epochs.get(51)!)).toMatchObject({ reason: 'restarted' });
    });

    it('controlled shutdown moves leaderships away and keeps the broker out of ISRs until it registers again', async () => {
      const epochs = await brokers(61, 62);
      const topic = await store.topics.create({ name: 'shutdown', assignments: [[61, 62]] });
      expect((await store.membership.controlledShutdown(61, epochs.get(61)! - 1n, defaults)).accepted).toBe(false);
      const before = await store.version();
      const outcome = await store.membership.controlledShutdown(61, epochs.get(61)!, defaults);
      expect(outcome).toMatchObject({ accepted: true, version: before + 1n });
      expect(outcome.partitions.map((p) => [p.topic, p.leaderId, p.isr])).toEqual([['shutdown', 62, [62]]]);
      const current = await partition('shutdown');
      const rejoin = await store.partitions.alter({
        brokerId: 62,
        brokerEpoch: epochs.get(62)!,
        topicId: topic.id,
        partitionIndex: 0,
        leaderEpoch: current.leaderEpoch,
        partitionEpoch: current.partitionEpoch,
        newIsr: [62, 61].map((id) => ({ brokerId: id, brokerEpoch: epochs.get(id)! })),
        leaderRecoveryState: 'RECOVERED',
      });
      expect(rejoin.errorCode).toBe(ErrorCode.INELIGIBLE_REPLICA);
      expect((await store.brokers.list()).find((broker) => broker.id === 61)).toMatchObject({ inControlledShutdown: true, fenced: false });
    });

    it('records the metadata version a broker applied with its heartbeat', async () => {
      const epochs = await brokers(71);
      expect(await store.brokers.renewLease(71, epochs.get(71)!, LEASE_MS, 1234n)).toBe(true);
      expect((await store.membership.appliedVersions()).find((broker) => broker.id === 71)?.appliedVersion).toBe(1234n);
    });
  });
}
