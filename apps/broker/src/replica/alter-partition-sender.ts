import { requestJson, type Bus } from '@strom/bus';
import { MetadataSubjects, type AlterPartitionReply, type AlterPartitionRequest } from '@strom/contracts';
import { ErrorCode, errorName } from '@strom/errors';
import type { AlterPartitionAnswer, AlterPartitionProposal } from '@strom/replication';
import type { Logger } from '@strom/runtime';
import { registrationOf, type PartitionReplica } from './partition-replica.js';

export interface AlterPartitionSenderOptions {
  brokerId: number;
  /** This broker's registered broker epoch (the metadata service refuses a stale one). */
  brokerEpoch: () => string | undefined;
  /** strom.bus.request.timeout.ms */
  requestTimeoutMs: number;
  /** First retry delay; it doubles per attempt up to `maxRetryBackoffMs`. */
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  /** A committed ISR change: the ISR's size before and after (ReplicationStats counts shrinks and expands). */
  onIsrChanged?: (sizeBefore: number, sizeAfter: number) => void;
}

/**
 * Sends partition leaders' ISR changes to the metadata service over the bus (Kafka's
 * AlterPartitionManager) and hands each answer back to its partition, which says whether to
 * send again: errors the leader cannot act on (a timeout, no metadata service) are retried with
 * a growing backoff, while it still leads. A partition has at most one change in flight (its
 * `PartitionLeader` holds one pending change), so the work here is bounded by the partitions led.
 */
export class AlterPartitionSender {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly bus: Bus,
    private readonly options: AlterPartitionSenderOptions,
    private readonly logger: Logger,
  ) {}

  send(replica: PartitionReplica, proposal: AlterPartitionProposal, attempt = 0): void {
    if (this.stopped || replica.isDetached) return;
    void this.attempt(replica, proposal, attempt);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(replica: PartitionReplica, proposal: AlterPartitionProposal, attempt: number): Promise<void> {
    const brokerEpoch = this.options.brokerEpoch();
    let answer: AlterPartitionAnswer;
    if (brokerEpoch === undefined) answer = { errorCode: ErrorCode.STALE_BROKER_EPOCH };
    else {
      const request: AlterPartitionRequest = {
        brokerId: this.options.brokerId,
        brokerEpoch,
        topicId: replica.topicId,
        partitionIndex: replica.partition,
        leaderEpoch: proposal.leaderEpoch,
        partitionEpoch: proposal.partitionEpoch,
        newIsr: proposal.newIsr.map((member) => ({ brokerId: member.brokerId, brokerEpoch: String(member.brokerEpoch) })),
        leaderRecoveryState: proposal.leaderRecoveryState,
      };
      answer = await requestJson<AlterPartitionReply>(this.bus, MetadataSubjects.alterPartition, request, {
        timeoutMs: this.options.requestTimeoutMs,
      }).then(
        (reply) =>
          reply.errorCode === ErrorCode.NONE && reply.partition
            ? { registration: registrationOf(reply.partition) }
            : { errorCode: reply.errorCode === ErrorCode.NONE ? ErrorCode.UNKNOWN_SERVER_ERROR : reply.errorCode },
        (error: unknown) => {
          this.logger.warn({ err: error, topic: replica.topic, partition: replica.partition }, 'AlterPartition got no answer');
          return { errorCode: ErrorCode.REQUEST_TIMED_OUT };
        },
      );
    }
    const isr = proposal.newIsr.map((member) => member.brokerId);
    if ('registration' in answer) {
      this.options.onIsrChanged?.(replica.leaderState?.isr.size ?? answer.registration.isr.length, answer.registration.isr.length);
      this.logger.info(
        {
          topic: replica.topic,
          partition: replica.partition,
          isr: answer.registration.isr,
          partitionEpoch: answer.registration.partitionEpoch,
        },
        'ISR changed',
      );
    } else {
      this.logger.warn(
        { topic: replica.topic, partition: replica.partition, isr, error: errorName(answer.errorCode) },
        'ISR change refused',
      );
    }
    if (!replica.onAlterPartitionAnswer(proposal, answer) || this.stopped) return;
    const delayMs = Math.min(this.options.retryBackoffMs * 2 ** attempt, this.options.maxRetryBackoffMs);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.send(replica, proposal, attempt + 1);
    }, delayMs);
    this.timers.add(timer);
  }
}
