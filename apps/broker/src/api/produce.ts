import { INTERNAL_TOPICS } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import {
  createProduceResponse,
  createProduceResponsePartitionProduceResponse,
  createProduceResponseTopicProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '@strom/protocol';
import { tracingEnabled } from '@strom/telemetry';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';
import type { ProduceOutcome } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { leaderFor, leaderForNow } from './leadership.js';
import { tracedAppend } from './partition-tracing.js';

const failed = (errorCode: ErrorCode, errorMessage: string | null = null): ProduceOutcome => ({
  errorCode,
  errorMessage,
  baseOffset: -1n,
  logAppendTimeMs: -1n,
  logStartOffset: -1n,
  recordErrors: [],
});

/** Produce v13 names topics by id instead of by name (KIP-516). */
export const PRODUCE_TOPIC_ID_MIN_VERSION = 13;

/**
 * Produce: each partition's record batch is validated and appended by its leader replica.
 * Appends are handed to the logs before the handler's first await, so pipelined requests on a
 * connection are appended in order. acks=0 gets no response; acks=1 is answered once the batch
 * is in the leader's log; acks=-1 once the ISR has it (at once when the leader is alone in it),
 * within the request's timeout (see PartitionReplica.produce).
 */
export function handleProduce(view: ClusterView, replicas: ReplicaManager, brokerId: number, authorization: RequestAuthorizer = ALLOW_ALL) {
  return (body: ProduceRequest, apiVersion: number, client?: ClientContext): Promise<ProduceResponse | undefined> | undefined => {
    const validAcks = body.acks === -1 || body.acks === 0 || body.acks === 1;
    // Kafka: WRITE on the transactional id (else every partition fails), WRITE on each topic.
    const transactionDenied =
      client !== undefined &&
      body.transactionalId !== null &&
      !authorization.allowed(client, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId);
    const results = body.topicData.map((topic) => {
      // v13+ names topics by id (KIP-516); an id this cluster does not know is UNKNOWN_TOPIC_ID.
      const name = apiVersion >= PRODUCE_TOPIC_ID_MIN_VERSION ? view.topicById(topic.topicId)?.name : topic.name;
      const denied =
        name === undefined
          ? ErrorCode.UNKNOWN_TOPIC_ID
          : transactionDenied
            ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
            : client !== undefined && !authorization.allowed(client, AclOperation.WRITE, ResourceType.TOPIC, name)
              ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
              : undefined;
      return {
        name: topic.name,
        topicId: topic.topicId,
        partitions: topic.partitionData.map((partition) => ({
          index: partition.index,
          outcome:
            denied !== undefined || name === undefined
              ? Promise.resolve(failed(denied ?? ErrorCode.UNKNOWN_TOPIC_ID))
              : tracingEnabled()
                ? tracedAppend(name, partition.index, partition.records, () => appendOne(name, partition.index, partition.records))
                : appendOne(name, partition.index, partition.records),
        })),
      };
    });
    if (body.acks === 0) return undefined;
    return (async () =>
      createProduceResponse({
        responses: await Promise.all(
          results.map(async (topic) =>
            createProduceResponseTopicProduceResponse({
              name: topic.name,
              topicId: topic.topicId,
              partitionResponses: await Promise.all(
                topic.partitions.map(async ({ index, outcome }) => {
                  const result = await outcome;
                  return createProduceResponsePartitionProduceResponse({
                    index,
                    errorCode: result.errorCode,
                    baseOffset: result.baseOffset,
                    logAppendTimeMs: result.logAppendTimeMs,
                    logStartOffset: result.logStartOffset,
                    ...(apiVersion >= 8 ? { recordErrors: result.recordErrors, errorMessage: result.errorMessage } : {}),
                  });
                }),
              ),
            }),
          ),
        ),
      }))();

    function appendOne(topic: string, partition: number, records: Buffer | null): Promise<ProduceOutcome> {
      if (!validAcks) return Promise.resolve(failed(ErrorCode.INVALID_REQUIRED_ACKS));
      // ReplicaManager.appendToLocalLog: clients may not write Kafka's internal topics.
      if (INTERNAL_TOPICS.has(topic) && view.topicByName(topic)?.internal)
        return Promise.resolve(failed(ErrorCode.INVALID_TOPIC_EXCEPTION));
      const now = leaderForNow(view, replicas, brokerId, topic, partition);
      if (now?.replica) return now.replica.produce(records, apiVersion, body.acks, body.timeoutMs);
      if (now) return Promise.resolve(failed(now.errorCode));
      return leaderFor(view, replicas, brokerId, topic, partition).then((found) =>
        found.replica ? found.replica.produce(records, apiVersion, body.acks, body.timeoutMs) : failed(found.errorCode),
      );
    }
  };
}
