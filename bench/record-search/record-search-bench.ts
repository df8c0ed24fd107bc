// The message browser's filtered search over 10 million records (issue 16, point 2: an answer in
// under 5 s). Run from the repo root:
//   npm run bench -- record-search [--records N] [--partitions N] [--batch-records N] [--repeats N]
// Starts the real embedded broker as `npm start` does, fills a topic over the Kafka protocol
// (Produce with large batches, several requests in flight: the setup is not what is measured),
// then asks the admin API's `GET /strom/v1/topics/{t}/records` over HTTP, as the console does,
// for searches that must read every record: a substring found once (in the value of one record
// in the middle of the topic), a substring found nowhere, and a case-insensitive regex (the slow
// path: every record decoded and tested). Prints the time to the answer and records scanned per
// second, median and min–max of --repeats (3).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitUntilEveryBrokerListsAll } from '@strom/broker';
import { KafkaConnection } from '@strom/kafka-client';
import { ApiKey, createMetadataRequest, createMetadataRequestTopic, createProduceRequest, encodeRecordBatch } from '@strom/protocol';
import { freePort } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { npmStartNodeFlags, STROM_MAIN } from '../lib/brokers.ts';
import { installCleanup, RESULTS, scratchDirs, ServerProcess } from '../lib/proc.ts';
import { fmt, machine, markdownTable } from '../lib/report.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    partitions: { type: 'string', default: '4' },
    'batch-records': { type: 'string', default: '5000' },
    repeats: { type: 'string', default: '3' },
  },
});
const RECORDS = Number(args.records);
const PARTITIONS = Number(args.partitions);
const BATCH_RECORDS = Number(args['batch-records']);
const REPEATS = Number(args.repeats);
/** Produce requests in flight while filling the topic. */
const IN_FLIGHT = 4;
/** Distinct batches cycled through while filling (encoding 10 million records one by one would take longer than the search). */
const DISTINCT_BATCHES = 16;
const TOPIC = 'search-bench';
const NEEDLE = 'needle-7f3a9c';
const say = (message: string): void => void process.stderr.write(`[record-search] ${message}\n`);
installCleanup(say, 30 * 60_000);

if (RECORDS % (BATCH_RECORDS * PARTITIONS) !== 0) throw new Error('--records must be a multiple of --batch-records × --partitions');

/** A record value like an order event: ~110 bytes of JSON. */
function value(seed: number, index: number, needle: boolean): Buffer {
  const n = seed * 1_000_003 + index;
  const customer = needle ? NEEDLE : `customer-${(n * 7919) % 100_000}`;
  return Buffer.from(
    `{"order_id":${n},"customer":"${customer}","sku":"SKU-${(n * 104_729) % 1_000_000}","amount_cents":${(n * 31) % 100_000},"status":"PAID"}`,
  );
}

function batch(seed: number, needleAt?: number): Buffer {
  return encodeRecordBatch({
    baseTimestamp: BigInt(Date.now()),
    records: Array.from({ length: BATCH_RECORDS }, (_, i) => ({
      key: Buffer.from(`order-${seed}-${i}`),
      value: value(seed, i, i === needleAt),
      headers: [{ key: 'source', value: Buffer.from('bench') }],
    })),
  });
}

/** Fills the topic: `RECORDS` records, one batch per partition per request; one record, halfway, holds the needle. */
async function fill(bootstrap: string): Promise<{ seconds: number; bytes: number }> {
  const batches = Array.from({ length: DISTINCT_BATCHES }, (_, seed) => batch(seed));
  const rounds = RECORDS / (BATCH_RECORDS * PARTITIONS);
  const needleRound = Math.floor(rounds / 2);
  const needleBatch = batch(DISTINCT_BATCHES, BATCH_RECORDS / 2);
  const connection = await KafkaConnection.connectTo(bootstrap, { clientId: 'record-search-bench', requestTimeoutMs: 120_000 });
  // Produce v13+ names the topic by its id.
  const metadata = await connection.request(
    ApiKey.Metadata,
    createMetadataRequest({ topics: [createMetadataRequestTopic({ name: TOPIC })] }),
  );
  const topicId = metadata.body.topics[0]!.topicId;
  const started = performance.now();
  let bytes = 0;
  let next = 0;
  const produceRound = async (round: number) => {
    const partitionData = Array.from({ length: PARTITIONS }, (_, index) => {
      const records = round === needleRound && index === 0 ? needleBatch : batches[(round * PARTITIONS + index) % DISTINCT_BATCHES]!;
      bytes += records.length;
      return { index, records };
    });
    const response = await connection.request(
      ApiKey.Produce,
      createProduceRequest({ acks: 1, timeoutMs: 60_000, topicData: [{ name: TOPIC, topicId, partitionData }] }),
    );
    for (const partition of response.body.responses[0]!.partitionResponses) {
      if (partition.errorCode !== 0) throw new Error(`produce to partition ${partition.index} failed with error ${partition.errorCode}`);
    }
  };
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < rounds) await produceRound(next++);
    }),
  );
  connection.close();
  return { seconds: (performance.now() - started) / 1000, bytes };
}

interface SearchAnswer {
  records: { partition: number; offset: number; value: string }[];
  scanned_records: number;
  stopped_by: string;
  elapsed_ms: number;
}

interface Measured {
  name: string;
  query: string;
  expectMatches: number;
  seconds: number[];
  serverMs: number[];
  scanned: number;
}

async function search(adminBase: string, query: string): Promise<{ seconds: number; answer: SearchAnswer }> {
  const started = performance.now();
  const response = await fetch(`${adminBase}/strom/v1/topics/${TOPIC}/records?${query}`);
  const answer = (await response.json()) as SearchAnswer;
  const seconds = (performance.now() - started) / 1000;
  if (!response.ok) throw new Error(`search ${query} answered ${response.status}: ${JSON.stringify(answer)}`);
  return { seconds, answer };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const spread = (values: number[], digits = 0): string =>
  values.length === 1
    ? fmt(values[0], digits)
    : `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;

const unbounded = `max_scan=100000000&timeout_ms=60000`;
const searches: Measured[] = [
  {
    name: 'substring, found once (value)',
    query: `filter=${NEEDLE}&fields=value&${unbounded}`,
    expectMatches: 1,
    seconds: [],
    serverMs: [],
    scanned: 0,
  },
  {
    name: 'substring, found nowhere (key, value, headers)',
    query: `filter=absent-7f3a9c&${unbounded}`,
    expectMatches: 0,
    seconds: [],
    serverMs: [],
    scanned: 0,
  },
  {
    name: 'regex, case-insensitive, found once (value)',
    query: `filter=${encodeURIComponent('NEEDLE-[0-9a-f]{6}')}&filter_mode=regex&ignore_case=true&fields=value&${unbounded}`,
    expectMatches: 1,
    seconds: [],
    serverMs: [],
    scanned: 0,
  },
];

const base = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'strom-record-search-'));
scratchDirs.add(base);
const port = await freePort();
const adminPort = await freePort();
const broker = new ServerProcess(process.execPath, [
  ...npmStartNodeFlags(),
  STROM_MAIN,
  'start',
  '--data-dir',
  base,
  '--port',
  String(port),
  '--admin-port',
  String(adminPort),
]);
let fillResult: { seconds: number; bytes: number };
try {
  await waitUntilEveryBrokerListsAll('127.0.0.1', [port], { clientId: 'record-search-bench', timeoutMs: 120_000, pollMs: 20 });
  const admin = new Kafka({ clientId: 'record-search-bench', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  say(`filling ${TOPIC}: ${fmt(RECORDS)} records in ${PARTITIONS} partitions, ${fmt(BATCH_RECORDS)} records a batch`);
  fillResult = await fill(`127.0.0.1:${port}`);
  say(`filled in ${fmt(fillResult.seconds, 1)} s (${fmt(fillResult.bytes / 2 ** 20)} MiB of batches)`);
  const adminBase = `http://127.0.0.1:${adminPort}`;
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    for (const measured of searches) {
      const { seconds, answer } = await search(adminBase, measured.query);
      if (answer.stopped_by !== 'end' || answer.scanned_records !== RECORDS || answer.records.length !== measured.expectMatches) {
        throw new Error(
          `${measured.name}: ${answer.records.length} found, ${answer.scanned_records} scanned, stopped by ${answer.stopped_by}`,
        );
      }
      measured.seconds.push(seconds);
      measured.serverMs.push(answer.elapsed_ms);
      measured.scanned = answer.scanned_records;
      say(`repeat ${repeat}/${REPEATS}, ${measured.name}: ${fmt(seconds, 2)} s`);
    }
  }
} finally {
  const stopped = await broker.stop();
  if (!stopped.startsWith('stopped')) say(`broker: ${stopped}`);
  rmSync(base, { recursive: true, force: true });
}

const rows = searches.map((measured) => [
  measured.name,
  fmt(measured.scanned),
  spread(measured.seconds, 2),
  spread(
    measured.seconds.map((seconds) => measured.scanned / seconds / 1e6),
    1,
  ),
  median(measured.seconds) < 5 ? 'yes' : 'no',
]);
const lines = [
  `# Record search: a filtered search over ${fmt(RECORDS)} records`,
  '',
  `Embedded Strom as \`npm start\` runs it; topic of ${PARTITIONS} partitions, ${fmt(RECORDS)} records of ~110-byte JSON values with a key and a header, ` +
    `${fmt(BATCH_RECORDS)} records a batch, uncompressed (${fmt(fillResult.bytes / 2 ** 20)} MiB; filled over the Kafka protocol in ${fmt(fillResult.seconds, 1)} s). ` +
    `Each search is \`GET /strom/v1/topics/{t}/records\` over HTTP and reads every record (Fetch from the leader inside the same process, filter on the server). ` +
    `Median and min–max of ${REPEATS} runs.`,
  '',
  ...markdownTable(
    ['search', 'records scanned', 'answer (s)', 'million records scanned/s', 'median under 5 s'],
    ['l', 'r', 'r', 'r', 'l'],
    rows,
  ),
  '',
  `Machine: ${JSON.stringify(machine())}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'record-search.md'), `${lines.join('\n')}\n`);
writeFileSync(
  join(RESULTS, 'record-search.json'),
  JSON.stringify(
    { records: RECORDS, partitions: PARTITIONS, batchRecords: BATCH_RECORDS, fill: fillResult, searches, machine: machine() },
    null,
    2,
  ),
);
