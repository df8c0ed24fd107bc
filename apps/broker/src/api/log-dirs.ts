import { statfs } from 'node:fs/promises';
import { ErrorCode } from '@strom/errors';
import {
  createDescribeLogDirsResponse,
  createDescribeLogDirsResponseDescribeLogDirsResult,
  type DescribeLogDirsRequest,
  type DescribeLogDirsResponse,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { ClientContext } from '../network/request-handler.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { AclOperation } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

/**
 * DescribeLogDirs: the one log directory, its partitions' sizes, and (v4+) the disk's space; an
 * offline directory as Kafka's ReplicaManager.describeLogDirs has it: KAFKA_STORAGE_ERROR alone.
 * Kafka: DESCRIBE on the cluster, else no results and CLUSTER_AUTHORIZATION_FAILED (the top-level
 * code exists from v3; before, the empty answer is all the client sees).
 */
export function handleDescribeLogDirs(
  view: ClusterView,
  replicas: ReplicaManager,
  logDir: string,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: DescribeLogDirsRequest, apiVersion: number, client?: ClientContext): Promise<DescribeLogDirsResponse> => {
    if (client && !authorization.allowedOnCluster(client, AclOperation.DESCRIBE)) {
      return createDescribeLogDirsResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] });
    }
    if (replicas.logDirFailure) {
      return createDescribeLogDirsResponse({
        results: [createDescribeLogDirsResponseDescribeLogDirsResult({ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir })],
      });
    }
    const wanted =
      body.topics === null
        ? view.topics().map((topic) => ({ topic: topic.name, partitions: topic.partitions.map((p) => p.partitionIndex) }))
        : body.topics;
    const topics = wanted
      .map((entry) => ({
        name: entry.topic,
        partitions: entry.partitions.flatMap((partitionIndex) => {
          const replica = replicas.replica(entry.topic, partitionIndex);
          if (!replica) return [];
          return [{ partitionIndex, partitionSize: BigInt(replica.storage.sizeBytes), offsetLag: 0n, isFutureKey: false }];
        }),
      }))
      .filter((topic) => topic.partitions.length > 0);
    let space: { totalBytes: bigint; usableBytes: bigint } = { totalBytes: -1n, usableBytes: -1n };
    if (apiVersion >= 4) {
      const stats = await statfs(logDir).catch(() => undefined);
      if (stats)
        space = { totalBytes: BigInt(stats.blocks) * BigInt(stats.bsize), usableBytes: BigInt(stats.bavail) * BigInt(stats.bsize) };
    }
    return createDescribeLogDirsResponse({
      results: [
        createDescribeLogDirsResponseDescribeLogDirsResult({
          errorCode: ErrorCode.NONE,
          logDir,
          topics,
          ...(apiVersion >= 4 ? space : {}),
        }),
      ],
    });
  };
}
