import { ErrorCode } from '@strom/errors';
import { ApiKey, createProduceRequest, encodeRecordBatch, ZERO_UUID } from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { clusterScope } from './cluster-routes.js';
import { KafkaRestCode, kafkaRestError, RestError, throwIfKafkaError } from './errors.js';
import { choosePartition, instantString, serializeData, type ProduceData, type SerializedData } from './records.js';
import type { Route } from './route.js';

/** How long the partition leader may wait for acks=all. */
const PRODUCE_TIMEOUT_MS = 30_000;
/** kafka-rest's api.v3.produce.batch.maximum.entries default. */
const MAX_BATCH_ENTRIES = 10;
/** kafka-rest's code for a batch it refuses as a whole (422). */
const PRODUCE_BATCH_ERROR_CODE = 42208;

interface ProduceBody {
  partition_id?: number | null;
  headers?: { name: string; value?: string | null }[];
  key?: ProduceData | null;
  value?: ProduceData | null;
  timestamp?: string | null;
}

/** v3's ProduceResponseData: the type and the serialized size (-1 for null, as Kafka's RecordMetadata says). */
function responseData(side: SerializedData) {
  return { type: side.type, size: side.bytes === null ? -1 : side.bytes.length };
}

const partitionNotFound = () => new RestError(404, KafkaRestCode.PARTITION_NOT_FOUND, 'Partition not found.');

/**
 * Produces one record as kafka-rest's ProduceAction does (acks=all, the partition from
 * `partition_id` or Kafka's partitioner) and answers its delivery report without `error_code`.
 */
async function produce(client: ClusterClient, clusterId: string, topicName: string, body: ProduceBody) {
  if (body.partition_id !== undefined && body.partition_id !== null && body.partition_id < 0) throw partitionNotFound();
  const key = serializeData(body.key);
  const value = serializeData(body.value);
  const timestampMs = body.timestamp ? Date.parse(body.timestamp) : Date.now();
  const topic = (await client.metadata([topicName])).topics[0];
  if (!topic || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
    throw new RestError(404, KafkaRestCode.TOPIC_NOT_FOUND, `Topic ${topicName} not present in metadata.`);
  }
  throwIfKafkaError(topic.errorCode);
  const available = topic.partitions.filter((p) => p.leaderId >= 0).map((p) => p.partitionIndex);
  const partitionId = body.partition_id ?? choosePartition(key.bytes, topic.partitions.length, available);
  const partition = topic.partitions.find((candidate) => candidate.partitionIndex === partitionId);
  if (!partition) throw partitionNotFound();
  if (partition.leaderId < 0) throw kafkaRestError(ErrorCode.LEADER_NOT_AVAILABLE);
  const records = encodeRecordBatch({
    baseTimestamp: BigInt(timestampMs),
    records: [
      {
        key: key.bytes,
        value: value.bytes,
        headers: (body.headers ?? []).map((header) => ({
          key: header.name,
          value: header.value == null ? null : Buffer.from(header.value, 'base64'),
        })),
      },
    ],
  });
  const response = await client.requestNode(
    partition.leaderId,
    ApiKey.Produce,
    createProduceRequest({
      acks: -1,
      timeoutMs: PRODUCE_TIMEOUT_MS,
      topicData: [{ name: topicName, topicId: topic.topicId ?? ZERO_UUID, partitionData: [{ index: partitionId, records }] }],
    }),
  );
  const result = response.responses[0]!.partitionResponses[0]!;
  throwIfKafkaError(result.errorCode, result.errorMessage);
  return {
    cluster_id: clusterId,
    topic_name: topicName,
    partition_id: partitionId,
    offset: result.baseOffset,
    timestamp: instantString(result.logAppendTimeMs >= 0n ? Number(result.logAppendTimeMs) : timestampMs),
    ...(key.type === undefined ? {} : { key: responseData(key) }),
    ...(value.type === undefined ? {} : { value: responseData(value) }),
  };
}

export const RECORD_ROUTES: readonly Route[] = [
  {
    method: 'post',
    path: '/clusters/{cluster_id}/topics/{topic_name}/records',
    operationId: 'produceRecord',
    summary: 'Produce Records',
    tag: 'Records (v3)',
    requestBody: 'ProduceRequest',
    responses: { 200: 'ProduceResponse' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const report = await produce(client, links.clusterId, context.params.topic_name!, context.body as ProduceBody);
      return { status: 200, body: { error_code: 200, ...report } };
    },
  },
  {
    method: 'post',
    path: '/clusters/{cluster_id}/topics/{topic_name}/records:batch',
    operationId: 'produceRecordsBatch',
    summary: 'Produce Records Batch',
    tag: 'Records (v3)',
    requestBody: 'ProduceBatchRequest',
    responses: { 207: 'ProduceBatchResponse' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const { entries } = context.body as { entries: (ProduceBody & { id: string })[] };
      if (new Set(entries.map((entry) => entry.id)).size !== entries.length) {
        throw new RestError(422, PRODUCE_BATCH_ERROR_CODE, 'Batch entry IDs are not distinct.');
      }
      if (entries.length === 0) throw new RestError(422, PRODUCE_BATCH_ERROR_CODE, 'Empty batch.');
      if (entries.length > MAX_BATCH_ENTRIES) throw new RestError(422, PRODUCE_BATCH_ERROR_CODE, 'Too many entries in batch.');
      const successes = [];
      const failures = [];
      for (const entry of entries) {
        try {
          successes.push({ id: entry.id, ...(await produce(client, links.clusterId, context.params.topic_name!, entry)) });
        } catch (error) {
          if (!(error instanceof RestError)) throw error;
          failures.push({ id: entry.id, error_code: error.errorCode, message: error.message });
        }
      }
      return { status: 207, body: { successes, failures } };
    },
  },
];
