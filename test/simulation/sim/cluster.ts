import { ErrorCode } from '@strom/errors';
import { NO_LEADER, type PartitionLeader, type PartitionRegistration } from '@strom/replication';
import { Rng } from '../../crash/harness/rng.js';
import { SimBroker, type BrokerObserver, type BrokerSettings, type SimRecord } from './broker.js';
import { SimController, type MetadataSnapshot } from './controller.js';
import { Network, Scheduler, type NetworkFaults } from './world.js';

/** One seeded run's shape: faults drawn from the seed, then a healed period to settle and check. */
export interface SimulationOptions {
  readonly seed: number;
  readonly brokers?: number;
  /** Simulated time with faults, then without. */
  readonly faultyMs?: number;
  readonly settleMs?: number;
  /** Record the event trace (for replaying a failing seed). */
  readonly trace?: boolean;
}

export interface SimulationResult {
  readonly seed: number;
  readonly acknowledged: number;
  readonly produced: number;
  readonly leaderChanges: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly events: number;
  readonly messagesDropped: number;
  /** Broken invariants; empty when the run is good. */
  readonly violations: string[];
  readonly trace: string[];
}

interface Acked {
  readonly offset: number;
  readonly epoch: number;
  readonly leader: number;
}

/**
 * A cluster of simulated brokers replicating one partition (RF = brokers, min.insync.replicas 2)
 * under a seeded schedule of faults: message loss, delay spikes and reordering, broker crashes
 * and restarts, network partitions that isolate a broker, slow disks and clock drift. A client
 * produces acks=all records to whichever broker its (delayed) metadata names leader. Checked
 * throughout and at the end:
 *
 * - no acknowledged record is lost: every ISR member the metadata names holds each acknowledged
 *   record at its offset, and after healing every replica holds them all;
 * - never two leaders acknowledging in one leader epoch;
 * - a leader's high watermark never passes what the replicas of its (maximal) ISR hold;
 * - replicas agree: two logs with the same (offset, epoch) agree on everything before it;
 * - liveness after healing: a new record is acknowledged.
 */
export function simulate(options: SimulationOptions): SimulationResult {
  const rng = new Rng(options.seed);
  const brokerCount = options.brokers ?? 3;
  const faultyMs = options.faultyMs ?? 60_000;
  const settleMs = options.settleMs ?? 30_000;
  const scheduler = new Scheduler();
  const trace: string[] = [];
  const note = (line: string): void => {
    if (options.trace) trace.push(`${scheduler.nowMs} ${line}`);
  };
  const faults: NetworkFaults = {
    lossRate: rng.pick([0, 0.01, 0.05, 0.1]),
    minDelayMs: 1,
    maxDelayMs: rng.int(2, 40),
    spikeRate: rng.pick([0, 0.01, 0.05]),
    spikeDelayMs: rng.int(100, 3000),
  };
  const network = new Network(scheduler, rng.fork(1), faults);
  const ids = Array.from({ length: brokerCount }, (_, i) => i + 1);
  const brokers = new Map<number, SimBroker>();
  const violations: string[] = [];
  const violate = (what: string): void => {
    if (violations.length < 20) violations.push(`${scheduler.nowMs} ms: ${what}`);
  };
  const acked = new Map<string, Acked>();
  const ackingLeaderByEpoch = new Map<number, number>();
  let clientMetadata: MetadataSnapshot | undefined;

  const observer: BrokerObserver = {
    acknowledged(broker, offset, record) {
      const previous = ackingLeaderByEpoch.get(record.epoch);
      if (previous !== undefined && previous !== broker.id) {
        violate(`two leaders acknowledged in leader epoch ${record.epoch}: ${previous} and ${broker.id}`);
      }
      ackingLeaderByEpoch.set(record.epoch, broker.id);
      if (!acked.has(record.id)) acked.set(record.id, { offset, epoch: record.epoch, leader: broker.id });
      note(`ack ${record.id}@${offset} e${record.epoch} by ${broker.id}`);
    },
    highWatermarkAdvanced(broker, leader) {
      checkHighWatermark(broker, leader);
    },
  };

  const controller = new SimController(
    { replicas: ids, isr: ids, leader: 1, leaderEpoch: 1, partitionEpoch: 1, leaderRecoveryState: 'RECOVERED' },
    { sessionTimeoutMs: rng.pick([1000, 3000, 6000]), uncleanLeaderElection: false, republishIntervalMs: 500 },
    scheduler,
    network,
    () => [...ids, 'client'],
    (to, snapshot) => {
      if (to === 'client') {
        if (!clientMetadata || snapshot.version > clientMetadata.version) clientMetadata = snapshot;
      } else brokers.get(to)!.onMetadata(snapshot);
    },
  );

  for (const id of ids) {
    const brokerRng = rng.fork(100 + id);
    const settings: BrokerSettings = {
      leader: { replicaLagTimeMaxMs: rng.pick([500, 2000, 10_000]), minInSyncReplicas: 2 },
      heartbeatIntervalMs: 200,
      fetchMaxRecords: rng.int(5, 100),
      fetchTimeoutMs: 1000,
      fetchBackoffMs: 50,
      fetchIdleMs: 50,
      diskMinMs: 0,
      diskMaxMs: rng.int(0, 10),
      diskSpikeRate: rng.pick([0, 0.01, 0.05]),
      diskSpikeMs: rng.int(50, 1500),
      clockDriftRate: (rng.next() - 0.5) * 0.02,
      clockSkewMs: rng.int(-2000, 2000),
    };
    brokers.set(id, new SimBroker(id, settings, scheduler, network, brokerRng, controller, (peer) => brokers.get(peer), observer));
  }

  /** The HW may not pass what any member of the leader's maximal ISR holds (matching the leader's log). */
  function checkHighWatermark(broker: SimBroker, leader: PartitionLeader): void {
    for (const id of leader.maximalIsr) {
      const member = brokers.get(id)!;
      for (let offset = Math.max(0, leader.highWatermark - 50); offset < leader.highWatermark; offset++) {
        const mine = broker.log[offset];
        const theirs = member.log[offset];
        if (!theirs || theirs.id !== mine?.id || theirs.epoch !== mine.epoch) {
          violate(`leader ${broker.id} moved its high watermark to ${leader.highWatermark} but ISR member ${id} lacks offset ${offset}`);
          return;
        }
      }
    }
  }

  function checkAckedOnIsr(partition: PartitionRegistration, settled: boolean): void {
    const holders = settled ? ids : partition.isr;
    for (const [id, record] of acked) {
      for (const holder of holders) {
        const entry = brokers.get(holder)!.log[record.offset];
        if (entry?.id !== id) {
          violate(
            `acknowledged ${id}@${record.offset} (epoch ${record.epoch}) missing on ${settled ? 'replica' : 'ISR member'} ${holder}` +
              ` (it has ${entry ? `${entry.id} e${entry.epoch}` : 'nothing'})`,
          );
          return;
        }
      }
    }
  }

  function checkLogsAgree(): void {
    for (const a of ids) {
      for (const b of ids) {
        if (a >= b) continue;
        const left = brokers.get(a)!.log;
        const right = brokers.get(b)!.log;
        const common = Math.min(left.length, right.length);
        let lastSame = -1;
        for (let offset = common - 1; offset >= 0; offset--) {
          if (left[offset]!.epoch === right[offset]!.epoch) {
            lastSame = offset;
            break;
          }
        }
        for (let offset = 0; offset <= lastSame; offset++) {
          if (left[offset]!.id !== right[offset]!.id || left[offset]!.epoch !== right[offset]!.epoch) {
            violate(`logs of ${a} and ${b} both have epoch ${left[lastSame]!.epoch} at ${lastSame} but differ at ${offset}`);
            return;
          }
        }
      }
    }
  }

  // The client: one acks=all record at a time per in-flight slot, retried until acknowledged.
  let produced = 0;
  let nextRecord = 0;
  const retry: string[] = [];
  const clientRng = rng.fork(7);
  const produceOne = (): void => {
    const record = retry.shift() ?? `r${nextRecord++}`;
    const leaderId = clientMetadata?.partition.leader;
    const target = leaderId === undefined || leaderId === NO_LEADER ? undefined : brokers.get(leaderId);
    if (!target) {
      retry.unshift(record);
      scheduler.after(50, produceOne);
      return;
    }
    produced++;
    let answered = false;
    const onAnswer = (errorCode: ErrorCode): void => {
      if (answered) return;
      answered = true;
      if (errorCode !== ErrorCode.NONE) retry.push(record);
      scheduler.after(clientRng.int(0, 20), produceOne);
    };
    network.send('client', target.id, () =>
      target.produce(record, 5000, (answer) => network.send(target.id, 'client', () => onAnswer(answer.errorCode))),
    );
    // The client's request timeout: a lost request or answer is retried.
    scheduler.after(8000, () => onAnswer(ErrorCode.REQUEST_TIMED_OUT));
  };

  // Faults: crashes and partitions of one broker at a time (a majority stays), drawn from the seed.
  let crashes = 0;
  let partitionsMade = 0;
  const faultRng = rng.fork(3);
  const scheduleFault = (): void => {
    if (scheduler.nowMs >= faultyMs) return;
    scheduler.after(faultRng.int(500, 6000), () => {
      if (scheduler.nowMs >= faultyMs) return;
      const victim = faultRng.pick(ids);
      const broker = brokers.get(victim)!;
      const downMs = faultRng.int(200, 8000);
      const busy = [...brokers.values()].some((b) => !b.alive) || ids.some((id) => network.isIsolated(id));
      if (!busy && faultRng.chance(0.5)) {
        crashes++;
        note(`crash ${victim} for ${downMs} ms`);
        broker.crash();
        scheduler.after(downMs, () => {
          note(`restart ${victim}`);
          broker.restart();
        });
      } else if (!busy) {
        partitionsMade++;
        note(`isolate ${victim} for ${downMs} ms`);
        network.isolate(victim);
        scheduler.after(downMs, () => network.heal(victim));
      }
      scheduleFault();
    });
  };

  controller.start(ids);
  for (const broker of brokers.values()) broker.start();
  for (let i = 0; i < 3; i++) scheduler.after(100 + i, produceOne);
  scheduleFault();

  const checkEvery = (): void => {
    checkAckedOnIsr(controller.partition, false);
    if (violations.length === 0) scheduler.after(250, checkEvery);
  };
  scheduler.after(250, checkEvery);

  scheduler.runUntil(faultyMs, () => violations.length > 0);
  // Heal: every broker up, no partition; the cluster must settle and keep serving.
  network.healAll();
  network.calm();
  for (const broker of brokers.values()) if (!broker.alive) broker.restart();
  const ackedBeforeSettle = acked.size;
  scheduler.runUntil(faultyMs + settleMs, () => violations.length > 0);
  if (violations.length === 0) {
    checkLogsAgree();
    const partition = controller.partition;
    const leader = brokers.get(partition.leader);
    if (!leader) violate(`no leader after settling: ${JSON.stringify(partition)}`);
    else if (partition.isr.length !== brokerCount) violate(`the ISR did not recover after settling: ${JSON.stringify(partition)}`);
    checkAckedOnIsr(partition, true);
    if (acked.size === ackedBeforeSettle) violate('nothing was acknowledged after the cluster healed');
  }
  if (violations.length > 0 && options.trace) {
    for (const broker of brokers.values()) {
      trace.push(
        `final broker ${broker.id}: alive=${broker.alive} epoch=${broker.brokerEpoch} log=${broker.log.length} hw=${broker.highWatermark}` +
          ` leader=${broker.leader ? `${broker.leader.state.kind} isr=${[...broker.leader.isr]} e${broker.leader.leaderEpoch} p${broker.leader.partitionEpoch}` : '-'}` +
          ` metadata=${JSON.stringify(broker.metadata?.partition)} registered=${JSON.stringify(controller.broker(broker.id))}`,
      );
    }
  }
  return {
    seed: options.seed,
    acknowledged: acked.size,
    produced,
    leaderChanges: controller.history.filter((p, i, all) => i > 0 && p.leaderEpoch !== all[i - 1]!.leaderEpoch).length,
    crashes,
    partitions: partitionsMade,
    events: scheduler.executed,
    messagesDropped: network.dropped,
    violations,
    trace,
  };
}

export type { SimRecord };
