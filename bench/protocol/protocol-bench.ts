/**
 * bench/protocol: the codec's hot paths, side by side with kafkajs's codec in the same run.
 *
 *   npm run bench -- protocol        (builds first; prints a table, writes bench/results/protocol.json)
 *
 * What each row measures is in its name: Strom decodes requests as a broker does (records stay
 * slices of the frame) and encodes responses; kafkajs is a client, so its side is the direction
 * it has (it encodes requests and decodes responses, and always decodes records). Allocation
 * figures are V8 heap bytes plus ArrayBuffer bytes per operation, measured with the young
 * generation large enough that no GC runs inside the measured loop.
 */
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import v8 from 'node:v8';
import {
  ApiKey,
  crc32c,
  decodeRecords,
  decodeRequest,
  decodeResponse,
  encodeRecordBatch,
  encodeRequest,
  encodeResponse,
  encodeResponseFrameChunks,
  createFetchResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
} from '@strom/protocol';
import { crc32cSlicingBy8 } from '../../libs/protocol/src/records/crc32c.ts';

const require = createRequire(import.meta.url);
const kafkajsProduce = require('kafkajs/src/protocol/requests/produce/v7/request.js');
const kafkajsFetch = require('kafkajs/src/protocol/requests/fetch/v11/response.js');
const kafkajsMetadata = require('kafkajs/src/protocol/requests/metadata/v6/response.js');
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js');

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench -- protocol does)');

interface Row {
  name: string;
  side: 'strom' | 'kafkajs';
  opsPerSec: number;
  mbPerSec: number | null;
  allocBytesPerOp: number;
}
const rows: Row[] = [];

/** Runs `op` for ~`seconds` after a warm-up; records ops/s, MB/s of `bytesPerOp`, and allocations. */
async function measure(
  name: string,
  side: Row['side'],
  bytesPerOp: number | null,
  op: () => unknown | Promise<unknown>,
  seconds = 2,
): Promise<void> {
  const deadline = performance.now() + 300;
  while (performance.now() < deadline) await op();
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 10; i++) await op();
    ops += 10;
  }
  const elapsedS = (performance.now() - start) / 1000;
  const allocOps = 20;
  gc!();
  const heap0 = v8.getHeapStatistics().used_heap_size;
  const ab0 = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < allocOps; i++) await op();
  const alloc = (v8.getHeapStatistics().used_heap_size - heap0 + (process.memoryUsage().arrayBuffers - ab0)) / allocOps;
  rows.push({
    name,
    side,
    opsPerSec: ops / elapsedS,
    mbPerSec: bytesPerOp === null ? null : (ops * bytesPerOp) / MiB / elapsedS,
    allocBytesPerOp: Math.max(0, alloc),
  });
  process.stderr.write(`  ${side.padEnd(8)} ${name}\n`);
}

// ---- fixtures: 1 MiB of 1 KiB records in 16 KiB batches over 4 partitions
const value = Buffer.alloc(1024, 'x');
const recordsPerBatch = 16;
const batchCount = 64;
const batchesByPartition: Buffer[][] = [[], [], [], []];
for (let b = 0; b < batchCount; b++) {
  const batch = encodeRecordBatch({
    baseTimestamp: 1_700_000_000_000n,
    records: Array.from({ length: recordsPerBatch }, (_, i) => ({ key: Buffer.from(`k${i}`), value })),
  });
  batchesByPartition[b % 4]!.push(batch);
}
const recordSets = batchesByPartition.map((list) => Buffer.concat(list));
const payloadBytes = recordSets.reduce((sum, set) => sum + set.length, 0);

const produceHeader = { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 7, clientId: 'bench' } as const;
const produceBody = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30_000,
  topicData: [{ name: 'bench-topic', partitionData: recordSets.map((records, index) => ({ index, records })) }],
};
const produceFrame = encodeRequest(produceHeader, produceBody as never);

const fetchBody = createFetchResponse({
  responses: [
    createFetchResponseFetchableTopicResponse({
      topic: 'bench-topic',
      partitions: recordSets.map((records, partitionIndex) =>
        createFetchResponsePartitionData({
          partitionIndex,
          highWatermark: 1000n,
          lastStableOffset: 1000n,
          logStartOffset: 0n,
          abortedTransactions: [],
          records,
        }),
      ),
    }),
  ],
});
const fetchFrame11 = encodeResponse(ApiKey.Fetch, 11, { correlationId: 1 }, fetchBody);
const fetchFrame16 = encodeResponse(ApiKey.Fetch, 16, { correlationId: 1 }, fetchBody);

const metadataBody = createMetadataResponse({
  brokers: [0, 1, 2].map((nodeId) => createMetadataResponseBroker({ nodeId, host: `broker-${nodeId}.example.internal`, port: 9092 })),
  clusterId: 'MkU3OEVBNTcwNTJENDM2Qk',
  controllerId: 0,
  topics: Array.from({ length: 100 }, (_, t) =>
    createMetadataResponseTopic({
      name: `topic-${t}`,
      topicId: '6f0d2b6e-9a8e-4b43-9d7a-2f1f3c1b2a10',
      partitions: Array.from({ length: 10 }, (_, p) =>
        createMetadataResponsePartition({
          partitionIndex: p,
          leaderId: p % 3,
          leaderEpoch: 4,
          replicaNodes: [0, 1, 2],
          isrNodes: [0, 1, 2],
        }),
      ),
    }),
  ),
});
const metadataFrame12 = encodeResponse(ApiKey.Metadata, 12, { correlationId: 3 }, metadataBody);
const metadataFrame6 = encodeResponse(ApiKey.Metadata, 6, { correlationId: 3 }, metadataBody);

// ---- Produce request, 1 MiB
await measure('Produce v9 request, 1 MiB: decode + encode (records zero-copy)', 'strom', payloadBytes, () =>
  encodeRequest(produceHeader, decodeRequest(produceFrame).body as never),
);
await measure('Produce v9 request, 1 MiB: decode only', 'strom', payloadBytes, () => decodeRequest(produceFrame));
const kafkajsTopicData = [
  {
    topic: 'bench-topic',
    partitions: [0, 1, 2, 3].map((partition) => ({
      partition,
      messages: Array.from({ length: (batchCount / 4) * recordsPerBatch }, (_, i) => ({
        key: `k${i % recordsPerBatch}`,
        value,
        timestamp: 1_700_000_000_000,
      })),
    })),
  },
];
await measure('Produce v7 request, 1 MiB: encode (builds the batches from records)', 'kafkajs', payloadBytes, async () => {
  const request = kafkajsProduce({
    acks: -1,
    timeout: 30_000,
    transactionalId: null,
    producerId: -1,
    producerEpoch: 0,
    compression: 0,
    topicData: kafkajsTopicData,
  });
  return request.encode();
});
await measure('record batch 16 KiB: decode the 16 records', 'strom', recordSets[0]!.length / (batchCount / 4), () =>
  decodeRecords(batchesByPartition[0]![0]!),
);
const kafkajsBatchBuffer = batchesByPartition[0]![0]!;
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js');
const kafkajsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
await measure('record batch 16 KiB: decode the 16 records', 'kafkajs', kafkajsBatchBuffer.length, () =>
  kafkajsDecodeBatch(new KafkajsDecoder(kafkajsBatchBuffer)),
);

// ---- Fetch response, 1 MiB
await measure('Fetch v16 response, 1 MiB: decode + encode (records zero-copy)', 'strom', payloadBytes, () =>
  encodeResponse(ApiKey.Fetch, 16, { correlationId: 1 }, decodeResponse(ApiKey.Fetch, 16, fetchFrame16).body as never),
);
await measure('Fetch v16 response, 1 MiB: encode as socket chunks (what the broker sends; records referenced)', 'strom', payloadBytes, () =>
  encodeResponseFrameChunks(ApiKey.Fetch, 16, { correlationId: 1 }, fetchBody),
);
await measure('Fetch v11 response, 1 MiB: decode + every record decoded', 'strom', payloadBytes, () => {
  const body = decodeResponse(ApiKey.Fetch, 11, fetchFrame11).body;
  let count = 0;
  for (const partition of body.responses[0]!.partitions) {
    const records = partition.records!;
    for (let pos = 0; pos < records.length;) {
      const size = records.readInt32BE(pos + 8) + 12;
      count += decodeRecords(records.subarray(pos, pos + size)).length;
      pos += size;
    }
  }
  return count;
});
const fetchBodyOnly11 = fetchFrame11.subarray(4);
await measure('Fetch v11 response, 1 MiB: decode + every record decoded', 'kafkajs', payloadBytes, () =>
  kafkajsFetch.decode(fetchBodyOnly11),
);

// ---- Metadata, 1000 partitions
await measure('Metadata v12 response, 1000 partitions: decode + encode', 'strom', metadataFrame12.length, () =>
  encodeResponse(ApiKey.Metadata, 12, { correlationId: 3 }, decodeResponse(ApiKey.Metadata, 12, metadataFrame12).body as never),
);
await measure('Metadata v6 response, 1000 partitions: decode', 'strom', metadataFrame6.length, () =>
  decodeResponse(ApiKey.Metadata, 6, metadataFrame6),
);
const metadataBodyOnly6 = metadataFrame6.subarray(4);
await measure('Metadata v6 response, 1000 partitions: decode', 'kafkajs', metadataFrame6.length, async () =>
  kafkajsMetadata.parse(await kafkajsMetadata.decode(metadataBodyOnly6)),
);

// ---- CRC32C
const crcInput = Buffer.alloc(MiB, 0xa5);
await measure('CRC32C of 1 MiB (native, what Strom uses)', 'strom', MiB, () => crc32c(crcInput), 1);
await measure('CRC32C of 1 MiB (JS slicing-by-8 reference)', 'strom', MiB, () => crc32cSlicingBy8(crcInput), 1);
await measure('CRC32C of 1 MiB', 'kafkajs', MiB, () => kafkajsCrc32C(crcInput), 1);

// ---- zero-copy check
const decodedProduce = decodeRequest(produceFrame).body as unknown as { topicData: { partitionData: { records: Buffer }[] }[] };
const zeroCopy = decodedProduce.topicData[0]!.partitionData.every((partition) => partition.records.buffer === produceFrame.buffer);

// ---- output
const fmt = (n: number | null, digits = 0) =>
  n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const lines = [
  `Protocol codec benchmark — ${new Date().toISOString()} — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  '',
  '| operation | side | ops/s | MB/s | allocated bytes/op |',
  '|---|---|---:|---:|---:|',
  ...rows.map((row) => `| ${row.name} | ${row.side} | ${fmt(row.opsPerSec)} | ${fmt(row.mbPerSec, 1)} | ${fmt(row.allocBytesPerOp)} |`),
  '',
  `Produce request records are slices of the frame (zero-copy): ${zeroCopy ? 'yes' : 'NO'}.`,
];
process.stdout.write(lines.join('\n') + '\n');
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../results/protocol.json', import.meta.url),
  JSON.stringify({ at: new Date().toISOString(), node: process.version, rows, zeroCopy }, null, 2) + '\n',
);
writeFileSync(new URL('../results/protocol.md', import.meta.url), lines.join('\n') + '\n');
