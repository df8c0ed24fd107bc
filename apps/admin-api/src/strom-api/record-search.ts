import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  batches,
  compressionOf,
  Compression,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createListOffsetsRequestListOffsetsPartition,
  decodeRecords,
  decompress,
  isControlBatch,
  isLogAppendTime,
  RECORD_BATCH_HEADER_BYTES,
  RecordScanner,
  UnsupportedCompressionError,
  type BatchView,
  type DecodedRecord,
  type MetadataResponseTopic,
} from '@strom/protocol';
import type { ClusterClient } from '../rest/cluster-client.js';
import { KafkaRestCode, kafkaRestError, RestError, throwIfKafkaError } from '../rest/errors.js';
import { OUT_OF_TIME, type BatchMatcher, type RecordFilter } from './record-filter.js';

/** Where a search starts in each partition. */
export type SearchStart =
  | { readonly kind: 'earliest' }
  /** The last `limit` records of each partition. */
  | { readonly kind: 'end' }
  | { readonly kind: 'offset'; readonly offset: bigint }
  /** The first record at or after the time (ListOffsets by timestamp). */
  | { readonly kind: 'timestamp'; readonly timestampMs: number }
  /** Where an earlier page stopped (its `next`). */
  | { readonly kind: 'cursor'; readonly offsets: ReadonlyMap<number, bigint> };

export interface SearchQuery {
  readonly topic: string;
  /** The partitions to read (all when undefined). */
  readonly partitions?: readonly number[];
  readonly start: SearchStart;
  readonly filter?: RecordFilter;
  /** Most records answered. */
  readonly limit: number;
  /** Most records looked at before the search stops and answers where it got to. */
  readonly maxScanRecords: number;
  /** Most bytes of keys, values and headers answered. */
  readonly maxResponseBytes: number;
  /** How long the scan may run before it answers where it got to. */
  readonly timeBudgetMs: number;
}

export interface FoundRecord {
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: number;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly key: string; readonly value: Buffer | null }[];
}

/** Why a search answered: every partition read to where it ended when the search began, or a bound. */
export type StopReason = 'end' | 'limit' | 'scan' | 'bytes' | 'time';

export interface SearchResult {
  readonly records: FoundRecord[];
  readonly scannedRecords: number;
  /** Per partition, the offset the next page starts at. */
  readonly next: Map<number, bigint>;
  /** Per partition, where the search stops (the high watermark when it began). */
  readonly end: Map<number, bigint>;
  readonly stoppedBy: StopReason;
  readonly elapsedMs: number;
}

/**
 * Fetch sizes: Kafka's consumer's per-partition default (max.partition.fetch.bytes, 1 MiB) and a
 * few partitions a round. Measured over 10 million records: 1–4 MiB rounds answer twice as fast
 * as 32 MiB ones (less to allocate and collect), and they keep each synchronous filtering step to
 * milliseconds on an event loop that, in embedded mode, is the broker's.
 */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;
const PARTITION_MAX_BYTES = 1024 * 1024;
const LIST_OFFSETS_TIMEOUT_MS = 30_000;

interface PartitionScan {
  readonly partition: number;
  readonly leader: number;
  position: bigint;
  readonly stop: bigint;
}

/**
 * Reads records of a topic over the Kafka protocol, as a consumer without a group does: start
 * offsets from ListOffsets (earliest, latest, by timestamp), then Fetch from each partition's
 * leader until the high watermark the search saw when it began, keeping the records the filter
 * matches. Bounded in records answered, records scanned, bytes answered and time; the answer
 * says where each partition got to, so the next page continues from there.
 */
export async function searchRecords(client: ClusterClient, query: SearchQuery): Promise<SearchResult> {
  try {
    return await search(client, query);
  } finally {
    query.filter?.close();
  }
}

async function search(client: ClusterClient, query: SearchQuery): Promise<SearchResult> {
  const startedMs = Date.now();
  const deadlineMs = startedMs + query.timeBudgetMs;
  const topic = await describeTopic(client, query.topic);
  const chosen = topic.partitions.filter((p) => query.partitions === undefined || query.partitions.includes(p.partitionIndex));
  if (query.partitions !== undefined && chosen.length !== new Set(query.partitions).size) {
    throw new RestError(404, KafkaRestCode.PARTITION_NOT_FOUND, 'Partition not found.');
  }
  const leaders = new Map(chosen.map((p) => [p.partitionIndex, p.leaderId]));
  if ([...leaders.values()].some((leader) => leader < 0)) throw kafkaRestError(ErrorCode.LEADER_NOT_AVAILABLE);
  const earliest = await listOffsets(client, query.topic, leaders, () => -2n);
  const latest = await listOffsets(client, query.topic, leaders, () => -1n);
  const starts = await startOffsets(client, query, leaders, earliest, latest);
  const scans: PartitionScan[] = [...leaders].map(([partition, leader]) => ({
    partition,
    leader,
    position: clamp(starts.get(partition)!, earliest.get(partition)!, latest.get(partition)!),
    stop: latest.get(partition)!,
  }));
  // From the end, each partition's tail is read and the newest `limit` of them kept.
  const collect = query.start.kind === 'end' ? query.limit * scans.length : query.limit;
  const state: ScanState = { records: [], scanned: 0, bytes: 0, stoppedBy: 'end', limit: collect };
  const topicId = topic.topicId;
  for (;;) {
    const open = scans.filter((scan) => scan.position < scan.stop);
    if (open.length === 0) break;
    if (Date.now() - startedMs >= query.timeBudgetMs) {
      state.stoppedBy = 'time';
      break;
    }
    const leader = open[0]!.leader;
    const round = open.filter((scan) => scan.leader === leader);
    const response = await client.requestNode(leader, ApiKey.Fetch, (apiVersion) =>
      createFetchRequest({
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: FETCH_MAX_BYTES,
        isolationLevel: 0,
        topics: [
          createFetchRequestFetchTopic({
            ...(apiVersion >= 13 ? { topicId } : { topic: query.topic }),
            partitions: round.map((scan) =>
              createFetchRequestFetchPartition({
                partition: scan.partition,
                fetchOffset: scan.position,
                partitionMaxBytes: PARTITION_MAX_BYTES,
              }),
            ),
          }),
        ],
      }),
    );
    throwIfKafkaError(response.errorCode);
    let progressed = false;
    for (const data of response.responses.flatMap((answer) => answer.partitions)) {
      const scan = round.find((candidate) => candidate.partition === data.partitionIndex);
      if (!scan) continue;
      throwIfKafkaError(data.errorCode);
      progressed = (await readBatches(scan, data.records ?? null, query, state, deadlineMs)) || progressed;
      if (state.stoppedBy !== 'end') break;
    }
    if (state.stoppedBy !== 'end') break;
    // A partition after the one that filled the response gets nothing (as in Kafka) and is asked
    // again; when no partition of the round had a batch to read, what is left below their high
    // watermarks is unreadable (a transaction's aborted tail, a compacted gap): they are done.
    if (!progressed) for (const scan of round) scan.position = scan.stop;
  }
  const records = query.start.kind === 'end' ? newest(state.records, query.limit) : state.records;
  return {
    records,
    scannedRecords: state.scanned,
    next: new Map(scans.map((scan) => [scan.partition, scan.position])),
    end: new Map(scans.map((scan) => [scan.partition, scan.stop])),
    stoppedBy: state.stoppedBy,
    elapsedMs: Date.now() - startedMs,
  };
}

interface ScanState {
  records: FoundRecord[];
  scanned: number;
  bytes: number;
  stoppedBy: StopReason;
  readonly limit: number;
}

function newest(records: FoundRecord[], limit: number): FoundRecord[] {
  const ordered = records.toSorted((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || Number(a.offset - b.offset));
  return ordered.slice(Math.max(0, ordered.length - limit));
}

/** Scans the batches of one partition's fetched records; false when they held no batch to move on with. */
async function readBatches(
  scan: PartitionScan,
  records: Buffer | null,
  query: SearchQuery,
  state: ScanState,
  deadlineMs: number,
): Promise<boolean> {
  if (records === null || records.length === 0) return false;
  let progressed = false;
  for (const batch of batches(records, { allowPartialTail: true })) {
    const lastOffset = batch.header.baseOffset + BigInt(batch.header.lastOffsetDelta);
    if (lastOffset < scan.position) continue;
    progressed = true;
    if (isControlBatch(batch.header.attributes)) {
      scan.position = lastOffset + 1n;
      if (scan.position >= scan.stop) return true;
      continue;
    }
    const base = batch.header.baseOffset;
    const first = base > scan.position ? base : scan.position;
    const last = lastOffset < scan.stop ? lastOffset : scan.stop - 1n;
    const section = recordsSection(batch);
    const matcher = await query.filter?.forBatch(section.buffer, section.start, section.end, batch.header.recordCount, deadlineMs);
    if (matcher === OUT_OF_TIME) {
      // The regex was still at it: the batch's records were not looked at, and the search answers from here.
      state.stoppedBy = 'time';
      scan.position = first;
      return true;
    }
    if (query.filter && matcher === undefined) {
      if (!scanned(state, query, Number(last - first) + 1)) return true;
    } else if (!readRecords(scan, batch, section, matcher, query, state, Number(first - base), Number(last - base))) {
      return true;
    }
    scan.position = last + 1n;
    if (scan.position >= scan.stop) return true;
  }
  return progressed;
}

/**
 * Looks at the records of one batch with offset deltas from `firstDelta` to `lastDelta`, keeping
 * those `matcher` matches (all without one); only a batch with a record to keep is decoded. False
 * when a bound stopped the search (the partition's position is then the first record not looked at).
 */
function readRecords(
  scan: PartitionScan,
  batch: BatchView,
  section: RecordsSection,
  matcher: BatchMatcher | undefined,
  query: SearchQuery,
  state: ScanState,
  firstDelta: number,
  lastDelta: number,
): boolean {
  const base = batch.header.baseOffset;
  const scanner = new RecordScanner(section.buffer, section.start, section.end, batch.header.recordCount);
  let decoded: DecodedRecord[] | undefined;
  for (let index = 0; scanner.next(); index++) {
    const delta = scanner.offsetDelta;
    if (delta < firstDelta) continue;
    if (delta > lastDelta) break;
    if (!scanned(state, query, 1)) {
      scan.position = base + BigInt(delta);
      return false;
    }
    if (matcher === undefined || matcher(scanner, index)) {
      decoded ??= decodeRecords(batch.bytes);
      const found = foundRecord(scan.partition, batch, decoded[index]!);
      const size = recordBytes(found);
      if (state.records.length > 0 && state.bytes + size > query.maxResponseBytes) {
        state.stoppedBy = 'bytes';
        state.scanned -= 1;
        scan.position = base + BigInt(delta);
        return false;
      }
      state.records.push(found);
      state.bytes += size;
      if (state.records.length >= state.limit) {
        state.stoppedBy = 'limit';
        scan.position = base + BigInt(delta) + 1n;
        return false;
      }
    }
  }
  return true;
}

/** Counts `count` records as scanned, or says the scan bound is reached (and counts none). */
function scanned(state: ScanState, query: SearchQuery, count: number): boolean {
  if (state.scanned + count > query.maxScanRecords) {
    state.stoppedBy = 'scan';
    return false;
  }
  state.scanned += count;
  return true;
}

interface RecordsSection {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
}

/** Where a batch's records lie: in the batch itself, or in its decompressed copy. */
function recordsSection(batch: BatchView): RecordsSection {
  const compression = compressionOf(batch.header.attributes);
  if (compression === Compression.None) return { buffer: batch.bytes, start: RECORD_BATCH_HEADER_BYTES, end: batch.bytes.length };
  if (compression > Compression.Zstd) throw new UnsupportedCompressionError(compression);
  const inflated = decompress(compression as Compression, batch.bytes.subarray(RECORD_BATCH_HEADER_BYTES));
  return { buffer: inflated, start: 0, end: inflated.length };
}

function foundRecord(partition: number, batch: BatchView, record: DecodedRecord): FoundRecord {
  const logAppendTime = isLogAppendTime(batch.header.attributes);
  return {
    partition,
    offset: record.offset,
    timestamp: Number(logAppendTime ? batch.header.maxTimestamp : record.timestamp),
    timestampType: logAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    // Copies: the fetched buffer is large and would otherwise be kept alive by a few slices.
    key: record.key && Buffer.from(record.key),
    value: record.value && Buffer.from(record.value),
    headers: record.headers.map((header) => ({ key: header.key, value: header.value && Buffer.from(header.value) })),
  };
}

function recordBytes(record: FoundRecord): number {
  let size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const header of record.headers) size += header.key.length + (header.value?.length ?? 0);
  return size;
}

async function describeTopic(client: ClusterClient, name: string): Promise<MetadataResponseTopic> {
  const topic = (await client.metadata([name])).topics[0];
  if (!topic || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
    throw new RestError(404, KafkaRestCode.TOPIC_NOT_FOUND, `Topic ${name} not present in metadata.`);
  }
  throwIfKafkaError(topic.errorCode);
  return topic;
}

/** The start offset of each partition for the query's start. */
async function startOffsets(
  client: ClusterClient,
  query: SearchQuery,
  leaders: ReadonlyMap<number, number>,
  earliest: ReadonlyMap<number, bigint>,
  latest: ReadonlyMap<number, bigint>,
): Promise<Map<number, bigint>> {
  const { start } = query;
  const each = (offset: (partition: number) => bigint) => new Map([...leaders.keys()].map((partition) => [partition, offset(partition)]));
  switch (start.kind) {
    case 'earliest':
      return each((partition) => earliest.get(partition)!);
    case 'end':
      return each((partition) => latest.get(partition)! - BigInt(query.limit));
    case 'offset':
      return each(() => start.offset);
    case 'cursor':
      return each((partition) => start.offsets.get(partition) ?? earliest.get(partition)!);
    case 'timestamp': {
      const found = await listOffsets(client, query.topic, leaders, () => BigInt(start.timestampMs));
      // -1: no record at or after the time; the search starts at the end.
      return each((partition) => (found.get(partition)! < 0n ? latest.get(partition)! : found.get(partition)!));
    }
  }
}

/** ListOffsets at each partition's leader for the timestamp `timestampOf` gives (-2 earliest, -1 latest). */
async function listOffsets(
  client: ClusterClient,
  topic: string,
  leaders: ReadonlyMap<number, number>,
  timestampOf: (partition: number) => bigint,
): Promise<Map<number, bigint>> {
  const byLeader = new Map<number, number[]>();
  for (const [partition, leader] of leaders) byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
  const offsets = new Map<number, bigint>();
  for (const [leader, partitions] of byLeader) {
    const response = await client.requestNode(leader, ApiKey.ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: LIST_OFFSETS_TIMEOUT_MS,
      topics: [
        {
          name: topic,
          partitions: partitions.map((partitionIndex) =>
            createListOffsetsRequestListOffsetsPartition({ partitionIndex, timestamp: timestampOf(partitionIndex) }),
          ),
        },
      ],
    });
    for (const answer of response.topics.flatMap((entry) => entry.partitions)) {
      throwIfKafkaError(answer.errorCode);
      offsets.set(answer.partitionIndex, answer.offset);
    }
  }
  return offsets;
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
  return value < low ? low : value > high ? high : value;
}
