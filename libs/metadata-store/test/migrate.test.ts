import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { describe, expect, it } from 'vitest';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { applyMigrations, readMigrations, type SqlExecutor } from '../src/index.js';

function executor(db: PGlite): SqlExecutor {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows,
  };
}

describe('migrations', () => {
  it('are read in order from prisma/migrations with sha256 checksums', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    for (const migration of migrations) expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply once, record themselves as Prisma does, and are skipped the second time', async () => {
    const db = new PGlite();
    const applied = await applyMigrations(executor(db));
    expect(applied).toEqual(readMigrations().map((m) => m.name));
    expect(await applyMigrations(executor(db))).toEqual([]);
    const rows = (
      await db.query<{ migration_name: string; applied_steps_count: number; finished_at: Date | null }>(
        'SELECT * FROM "_prisma_migrations"',
      )
    ).rows;
    expect(rows.map((row) => row.migration_name)).toEqual(applied);
    expect(rows.every((row) => row.finished_at !== null && row.applied_steps_count === 1)).toBe(true);
    await db.close();
  });

  it('refuse a migration that changed after it was applied', async () => {
    const db = new PGlite();
    const migrations = readMigrations();
    await applyMigrations(executor(db), migrations);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: '0'.repeat(64) } : m));
    await expect(applyMigrations(executor(db), edited)).rejects.toThrow(/changed after it was applied/);
    await db.close();
  });

  it('roll back a failing migration and record nothing', async () => {
    const db = new PGlite();
    await expect(
      applyMigrations(executor(db), [{ name: '1_bad', sql: 'CREATE TABLE t (x int); SELECT nope;', checksum: 'x'.repeat(64) }]),
    ).rejects.toThrow(/1_bad failed/);
    expect((await db.query('SELECT * FROM "_prisma_migrations"')).rows).toEqual([]);
    expect((await db.query(`SELECT to_regclass('t') AS t`)).rows).toEqual([{ t: null }]);
    await db.close();
  });
});

describe('the migrated schema', () => {
  it('has every table and column the Prisma schema declares (each model reads back a written row)', async () => {
    const db = new PGlite();
    await applyMigrations(executor(db));
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    const topicId = '6f0d2b6e-9a8e-4b43-9d7a-2f1f3c1b2a10';
    await prisma.broker.create({ data: { id: 7, epoch: 1n, leaseExpiresAt: new Date() } });
    await prisma.brokerEndpoint.create({ data: { brokerId: 7, name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 'PLAINTEXT' } });
    await prisma.topic.create({ data: { id: topicId, name: 't' } });
    await prisma.partition.create({ data: { topicId, partitionIndex: 0, replicas: [7], isr: [7] } });
    await prisma.topicConfig.create({ data: { topicId, name: 'retention.ms', value: '1' } });
    await prisma.brokerConfig.create({ data: { brokerId: 7, name: 'log.retention.ms', value: '1' } });
    await prisma.clusterConfig.create({ data: { name: 'num.partitions', value: '3' } });
    await prisma.consumerGroup.create({ data: { groupId: 'g' } });
    await prisma.committedOffset.create({ data: { groupId: 'g', topic: 't', partitionIndex: 0, committedOffset: 5n } });
    await prisma.scramCredential.create({
      data: {
        user: 'u',
        mechanism: 'SCRAM_SHA_512',
        salt: Buffer.alloc(1),
        storedKey: Buffer.alloc(1),
        serverKey: Buffer.alloc(1),
        iterations: 4096,
      },
    });
    await prisma.acl.create({
      data: { resourceType: 2, resourceName: 't', patternType: 3, principal: 'User:u', host: '*', operation: 2, permissionType: 3 },
    });
    await prisma.brokerFailover.create({
      data: {
        brokerId: 7,
        brokerEpoch: 1n,
        reason: 'lease-expired',
        leaseExpiredAt: new Date(),
        fencedAt: new Date(),
        version: 3n,
        partitions: [],
        fencedBy: 'metadata-service',
      },
    });
    const counts = await Promise.all([
      prisma.metadataVersion.count(),
      prisma.producerIdBlock.count(),
      prisma.broker.count(),
      prisma.brokerEndpoint.count(),
      prisma.topic.count(),
      prisma.partition.count(),
      prisma.topicConfig.count(),
      prisma.brokerConfig.count(),
      prisma.clusterConfig.count(),
      prisma.consumerGroup.count(),
      prisma.committedOffset.count(),
      prisma.scramCredential.count(),
      prisma.acl.count(),
      prisma.brokerFailover.count(),
    ]);
    expect(counts).toEqual(Array(14).fill(1));
    const partition = await prisma.partition.findFirstOrThrow();
    expect(partition).toMatchObject({
      addingReplicas: [],
      removingReplicas: [],
      leaderId: -1,
      leaderEpoch: 0,
      partitionEpoch: 0,
      leaderRecoveryState: 'RECOVERED',
    });
    expect(await prisma.broker.findFirstOrThrow()).toMatchObject({ inControlledShutdown: false, appliedMetadataVersion: -1n });
    expect(await prisma.brokerFailover.findFirstOrThrow()).toMatchObject({ completedAt: null, confirmedLeaders: [], workflowId: null });
    await prisma.$disconnect();
    await db.close();
  });
});
