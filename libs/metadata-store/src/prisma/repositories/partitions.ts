import { ErrorCode } from '@strom/errors';
import type { PrismaClient } from '../../generated/prisma/client.js';
import { judgeAlterPartition, toRegistration } from '../../elections.js';
import type { AlterPartitionInput, AlterPartitionOutcome, PartitionRepository, PartitionState } from '../../model.js';
import { brokerLookup, retryOnCasConflict, writePartition } from './elections.js';
import { bumpMetadataVersion } from './tx.js';

/** ISR changes proposed by partition leaders, in Postgres. */
export class PrismaPartitionRepository implements PartitionRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Applies an AlterPartition request in one transaction: reads the partition and the brokers,
   * applies @strom/replication's `alterPartition`, and writes the result with a compare-and-set
   * on the partition epoch that was read. Of two concurrent proposals based on one partition
   * epoch, one wins; the other, run again on the new state, is answered INVALID_UPDATE_VERSION.
   */
  async alter(input: AlterPartitionInput): Promise<AlterPartitionOutcome> {
    return retryOnCasConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const key = { topicId: input.topicId, partitionIndex: input.partitionIndex };
        const row = await tx.partition.findUnique({ where: { topicId_partitionIndex: key } });
        const current = row === null ? undefined : toRegistration(row);
        const result = judgeAlterPartition(current, input, await brokerLookup(tx));
        if ('errorCode' in result) return { errorCode: result.errorCode, partition: undefined, changed: false };
        const next = result.registration;
        const state: PartitionState = {
          partitionIndex: input.partitionIndex,
          replicas: [...next.replicas],
          isr: [...next.isr],
          leaderId: next.leader,
          leaderEpoch: next.leaderEpoch,
          partitionEpoch: next.partitionEpoch,
          leaderRecoveryState: next.leaderRecoveryState,
        };
        if (current === undefined || next === current) return { errorCode: ErrorCode.NONE, partition: state, changed: false };
        await writePartition(tx, key, current, next);
        await bumpMetadataVersion(tx);
        return { errorCode: ErrorCode.NONE, partition: state, changed: true };
      }),
    );
  }
}
