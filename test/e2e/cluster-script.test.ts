import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@strom/testing';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';

const script = new URL('../../scripts/cluster.mjs', import.meta.url).pathname;

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('npm run cluster (issue 14): a local distributed cluster for users and tests', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-cluster-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to reach its directory.
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('provisions the services, starts every app and N brokers, prints the bootstrap servers, serves clients, and stops on SIGTERM', async () => {
    // Two free ports in a row for the brokers. Other test files bind ephemeral ports meanwhile, so
    // a broker may find its port taken (it exits 2, saying so): then the cluster starts again on others.
    const start = async (): Promise<{ basePort: number; child: ChildProcess; exited: Promise<number | null>; bootstrap: string }> => {
      let basePort = await freePort();
      while (!(await refused(basePort + 1))) basePort = await freePort();
      const child = spawn(
        process.execPath,
        [script, '--brokers', '2', '--base-port', String(basePort), '--data-dir', dataDir, '--temporal-ui-port', '0'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const bootstrap = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line.startsWith('bootstrap.servers=')) resolve(line.slice('bootstrap.servers='.length));
        });
        void exited.then((code) => reject(new Error(`cluster exited (${code}) before it was ready: ${stderr}`)));
      });
      return { basePort, child, exited, bootstrap };
    };
    let started: Awaited<ReturnType<typeof start>> | undefined;
    for (let attempt = 1; started === undefined; attempt++) {
      try {
        started = await start();
      } catch (error) {
        if (attempt === 3 || !/broker-\d exited \(2\)/.test((error as Error).message)) throw error;
      }
    }
    const { basePort, child, exited, bootstrap } = started;
    expect(bootstrap).toBe(`127.0.0.1:${basePort},127.0.0.1:${basePort + 1}`);

    const kafka = new Kafka({ clientId: 'cluster-test', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((broker) => broker.nodeId).sort()).toEqual([1, 2]);
    // The failure detection of deploy/cluster.properties, not Kafka's 9 s lease.
    const described = await admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.BROKER, name: '2', configNames: ['broker.session.timeout.ms', 'broker.heartbeat.interval.ms'] },
      ],
      includeSynonyms: false,
    });
    expect(Object.fromEntries(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]))).toEqual({
      'broker.session.timeout.ms': '3000',
      'broker.heartbeat.interval.ms': '500',
    });
    await admin.createTopics({ topics: [{ topic: 'spread', numPartitions: 4 }], waitForLeaders: true });
    const [topic] = (await admin.fetchTopicMetadata({ topics: ['spread'] })).topics;
    // Partitions are placed over both brokers.
    expect(new Set(topic!.partitions.map((partition) => partition.leader))).toEqual(new Set([1, 2]));
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'spread', messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'cluster-test' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'spread', fromBeginning: true });
    const seen = new Set<string>();
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.add(message.value!.toString());
          if (seen.size === 40) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.size).toBe(40);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect([await refused(basePort), await refused(basePort + 1)]).toEqual([true, true]);
  }, 240_000);
});
