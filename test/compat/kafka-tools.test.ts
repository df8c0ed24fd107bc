import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureJava } from '@strom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafkaTools, KAFKA_VERSION } from '../../bench/lib/provision.ts';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';

const run = promisify(execFile);
const TOOLS = 'org.apache.kafka.tools';

/**
 * Apache Kafka's own command-line tools (kafka-tools 4.4.0: what kafka-topics.sh, kafka-configs.sh,
 * kafka-acls.sh, kafka-consumer-groups.sh and kafka-groups.sh run) against embedded Strom. Every
 * expected line is what the same command printed against a Kafka 4.4.0 broker.
 */
describe("Kafka's command-line tools against embedded Strom, answered as Kafka 4.4 answers them", () => {
  let strom: EmbeddedStrom;
  let java: string;
  let classpath: string;

  beforeAll(async () => {
    java = ensureJava();
    classpath = ensureKafkaTools(KAFKA_VERSION).classpath;
    strom = await startEmbeddedStrom();
  }, 600_000);
  afterAll(async () => strom?.stop());

  /** Runs one tool to its end (asynchronously: the broker shares this process); its exit code and stdout. */
  const tool = async (mainClass: string, ...args: string[]): Promise<{ code: number; stdout: string }> => {
    try {
      const { stdout } = await run(java, ['-cp', classpath, `${TOOLS}.${mainClass}`, '--bootstrap-server', strom.bootstrap, ...args], {
        timeout: 60_000,
      });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
    }
  };
  const lines = (stdout: string) => stdout.split('\n').map((line) => line.trimEnd());

  it('kafka-topics.sh: a name or replication factor Kafka refuses, in its words', async () => {
    const badName = await tool('TopicCommand', '--create', '--topic', 'bad/name', '--partitions', '1');
    expect(badName.code).toBe(1);
    expect(lines(badName.stdout)[0]).toBe(
      "Error while executing topic command : Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'",
    );
    const tooMany = await tool('TopicCommand', '--create', '--topic', 'rf3', '--partitions', '1', '--replication-factor', '3');
    expect(tooMany.code).toBe(1);
    expect(lines(tooMany.stdout)[0]).toBe(
      'Error while executing topic command : Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be ' +
        'reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned.',
    );
  });

  it('kafka-topics.sh --describe: the partitions as Kafka 4.4 lists them (DescribeTopicPartitions), ELR lists empty', async () => {
    expect((await tool('TopicCommand', '--create', '--topic', 'shown', '--partitions', '2')).code).toBe(0);
    const described = await tool('TopicCommand', '--describe', '--topic', 'shown');
    expect(described.code).toBe(0);
    expect(lines(described.stdout).slice(1, 3)).toEqual([
      '\tTopic: shown\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr:',
      '\tTopic: shown\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr:',
    ]);
  });

  it('kafka-configs.sh: SCRAM users are added, listed and removed; the default retention.ms shows no synonyms', async () => {
    const user = ['--entity-type', 'users', '--entity-name', 'alice'];
    const added = await tool('ConfigCommand', '--alter', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=alice-secret]', ...user);
    expect(added).toEqual({ code: 0, stdout: 'Completed updating config for user alice.\n' });
    // The describe reads the user's client quotas first (DescribeClientQuotas), then the credentials.
    expect(await tool('ConfigCommand', '--describe', ...user)).toEqual({
      code: 0,
      stdout: "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192\n",
    });
    expect((await tool('ConfigCommand', '--alter', '--delete-config', 'SCRAM-SHA-256', ...user)).code).toBe(0);
    expect(await tool('ConfigCommand', '--describe', ...user)).toEqual({ code: 0, stdout: '' });
    expect(await tool('ConfigCommand', '--describe', '--entity-type', 'clients')).toEqual({ code: 0, stdout: '' });

    expect((await tool('TopicCommand', '--create', '--topic', 'described', '--partitions', '1')).code).toBe(0);
    const all = await tool('ConfigCommand', '--describe', '--all', '--entity-type', 'topics', '--entity-name', 'described');
    expect(all.code).toBe(0);
    expect(lines(all.stdout)).toContain('  retention.ms=604800000 sensitive=false synonyms={}');
    expect(lines(all.stdout)).toContain('  min.insync.replicas=1 sensitive=false synonyms={DEFAULT_CONFIG:min.insync.replicas=1}');
  });

  it("kafka-configs.sh: a group's config, listed with the broker default it overrides", async () => {
    const group = ['--entity-type', 'groups', '--entity-name', 'configured'];
    expect((await tool('ConfigCommand', '--alter', ...group, '--add-config', 'consumer.session.timeout.ms=50000')).code).toBe(0);
    expect(await tool('ConfigCommand', '--describe', ...group)).toEqual({
      code: 0,
      stdout:
        'Dynamic configs for group configured are:\n' +
        '  consumer.session.timeout.ms=50000 sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:consumer.session.timeout.ms=50000, ' +
        'DEFAULT_CONFIG:group.consumer.session.timeout.ms=45000}\n',
    });
  });

  it('kafka-acls.sh --list without an authorizer: SECURITY_DISABLED with the message of DescribeAcls', async () => {
    const listed = await tool('AclCommand', '--list');
    expect(listed.code).toBe(1);
    expect(lines(listed.stdout)[0]).toBe(
      'Error while executing ACL command: org.apache.kafka.common.errors.SecurityDisabledException: No Authorizer is configured on the broker',
    );
  });

  it('kafka-consumer-groups.sh --delete-offsets leaves the group, which kafka-groups.sh lists and --delete deletes', async () => {
    expect((await tool('TopicCommand', '--create', '--topic', 'offsets', '--partitions', '2')).code).toBe(0);
    const group = ['--group', 'g1'];
    const reset = await tool(
      'consumer.group.ConsumerGroupCommand',
      '--reset-offsets',
      '--to-earliest',
      '--topic',
      'offsets',
      ...group,
      '--execute',
    );
    expect(reset.code).toBe(0);
    const deleted = await tool('consumer.group.ConsumerGroupCommand', '--delete-offsets', ...group, '--topic', 'offsets');
    expect(lines(deleted.stdout).filter((line) => line.startsWith('offsets'))).toEqual([
      'offsets         0          Successful',
      'offsets         1          Successful',
    ]);
    // A group made by committing offsets only has no protocol type: Kafka lists it as Classic with an empty protocol.
    expect(lines((await tool('GroupsCommand', '--list')).stdout)).toContain('g1                   Classic');
    expect(await tool('consumer.group.ConsumerGroupCommand', '--delete', ...group)).toEqual({
      code: 0,
      stdout: "Deletion of requested consumer groups ('g1') was successful.\n",
    });
  });
});
