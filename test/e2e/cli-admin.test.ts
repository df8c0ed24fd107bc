import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

const execFileAsync = promisify(execFile);
const mainJs = new URL('../../apps/strom/dist/main.js', import.meta.url).pathname;

describe('strom topics: the CLI through the Kafka protocol', () => {
  let strom: EmbeddedStrom;
  const cli = async (...args: string[]) =>
    execFileAsync(process.execPath, [mainJs, ...args, '--bootstrap-server', strom.bootstrap], { encoding: 'utf8', timeout: 30_000 }).then(
      (result) => ({ code: 0, stdout: result.stdout, stderr: result.stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => strom?.stop());

  it('creates, lists, describes and deletes topics', async () => {
    expect(await cli('topics', 'create', 'payments', '--partitions', '3', '--config', 'retention.ms=60000')).toMatchObject({
      code: 0,
      stdout: 'Created topic payments.\n',
    });
    expect(await cli('topics', 'create', 'audit')).toMatchObject({ code: 0 });
    expect((await cli('topics', 'list')).stdout).toBe('audit\npayments\n');
    const described = await cli('topics', 'describe', 'payments');
    expect(described.code).toBe(0);
    const lines = described.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^Topic: payments\tTopicId: [0-9a-f-]{36}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention\.ms=60000$/,
    );
    expect(lines.slice(1)).toEqual([0, 1, 2].map((p) => `\tTopic: payments\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1`));
    expect(await cli('topics', 'delete', 'audit')).toMatchObject({ code: 0, stdout: 'Deleted topic audit.\n' });
    expect((await cli('topics', 'list')).stdout).toBe('payments\n');
  });

  it('reports Kafka errors and usage errors with exit codes', async () => {
    expect(await cli('topics', 'create', 'payments')).toMatchObject({ code: 1, stderr: expect.stringContaining('TOPIC_ALREADY_EXISTS') });
    expect(await cli('topics', 'describe', 'nope')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('UNKNOWN_TOPIC_OR_PARTITION'),
    });
    expect(await cli('topics', 'create', 'x', '--frobnicate', '1')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown option --frobnicate'),
    });
    expect(await cli('topics', 'explode')).toMatchObject({ code: 2 });
  });
});
