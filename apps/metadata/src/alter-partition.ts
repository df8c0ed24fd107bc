/*
 * FALLBACK from the broker replication branch (wip-repl), to be reconciled with the metadata
 * service's own AlterPartition handler: the smallest handler that lets brokers' ISR changes be
 * tested end to end. It applies @strom/replication's `alterPartition` rules and writes the new
 * ISR with the store's compare-and-set on the partition epoch; nothing else (no fencing, no
 * controlled shutdown, the leader recovery state is not stored).
 */
import type { AlterPartitionReply, AlterPartitionRequest, PartitionInfo } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import type { MetadataStore, PartitionState } from '@strom/metadata-store';
import { alterPartition, type PartitionRegistration } from '@strom/replication';

/** The reply without the version, and whether the store changed (then the caller announces it). */
export async function handleAlterPartition(
  store: MetadataStore,
  request: AlterPartitionRequest,
): Promise<{ reply: Omit<AlterPartitionReply, 'version'>; changed: boolean }> {
  const [topic, brokers] = await Promise.all([store.topics.byId(request.topicId), store.brokers.list()]);
  const partition = topic?.partitions[request.partitionIndex];
  const current = partition ? registrationOf(partition) : undefined;
  const result = alterPartition(
    current,
    { brokerId: request.brokerId, brokerEpoch: Number(request.brokerEpoch) },
    {
      leaderId: request.brokerId,
      leaderEpoch: request.leaderEpoch,
      partitionEpoch: request.partitionEpoch,
      newIsr: request.newIsr.map((member) => ({ brokerId: member.brokerId, brokerEpoch: Number(member.brokerEpoch) })),
      leaderRecoveryState: request.leaderRecoveryState,
    },
    (brokerId) => {
      const broker = brokers.find((entry) => entry.id === brokerId);
      return broker && { brokerId, brokerEpoch: Number(broker.epoch), fenced: broker.fenced, inControlledShutdown: false };
    },
  );
  if ('errorCode' in result) return { reply: { errorCode: result.errorCode, partition: null }, changed: false };
  if (result.registration === current) return { reply: { errorCode: ErrorCode.NONE, partition: infoOf(partition!) }, changed: false };
  const after = await store.topics.changeLeadership(request.topicId, request.partitionIndex, current!.partitionEpoch, {
    leaderId: current!.leader,
    isr: [...result.registration.isr],
  });
  if (!after) return { reply: { errorCode: ErrorCode.INVALID_UPDATE_VERSION, partition: null }, changed: false };
  return { reply: { errorCode: ErrorCode.NONE, partition: infoOf(after) }, changed: true };
}

function registrationOf(partition: PartitionState): PartitionRegistration {
  return {
    replicas: partition.replicas,
    isr: partition.isr,
    leader: partition.leaderId,
    leaderEpoch: partition.leaderEpoch,
    partitionEpoch: partition.partitionEpoch,
    leaderRecoveryState: 'RECOVERED',
  };
}

const infoOf = (partition: PartitionState): PartitionInfo => ({ ...partition, leaderRecoveryState: 'RECOVERED' });
