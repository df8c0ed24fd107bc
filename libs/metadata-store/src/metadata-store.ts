import { randomUUID } from 'node:crypto';
import type { PrismaClient } from './generated/prisma/client.js';
import { BrokerRepository } from './repositories/brokers.js';
import { BrokerConfigRepository } from './repositories/configs.js';
import { MembershipRepository } from './repositories/membership.js';
import { GroupOffsetRepository } from './repositories/offsets.js';
import { PartitionRepository } from './repositories/partitions.js';
import { ProducerIdRepository } from './repositories/producer-ids.js';
import { SecurityRepository } from './repositories/security.js';
import { TopicRepository } from './repositories/topics.js';

/** The cluster metadata repositories over one Prisma client. */
export class MetadataStore {
  readonly brokers: BrokerRepository;
  readonly brokerConfigs: BrokerConfigRepository;
  readonly topics: TopicRepository;
  readonly partitions: PartitionRepository;
  readonly membership: MembershipRepository;
  readonly offsets: GroupOffsetRepository;
  readonly producerIds: ProducerIdRepository;
  readonly security: SecurityRepository;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly release: () => Promise<void>,
  ) {
    this.brokers = new BrokerRepository(prisma);
    this.brokerConfigs = new BrokerConfigRepository(prisma);
    this.topics = new TopicRepository(prisma);
    this.partitions = new PartitionRepository(prisma);
    this.membership = new MembershipRepository(prisma);
    this.offsets = new GroupOffsetRepository(prisma);
    this.producerIds = new ProducerIdRepository(prisma);
    this.security = new SecurityRepository(prisma);
  }

  /** The global metadata version: grows by one with every metadata change. */
  async version(): Promise<bigint> {
    return (await this.prisma.metadataVersion.findUniqueOrThrow({ where: { id: 1 } })).version;
  }

  /**
   * The cluster id, made on first use: a random UUID as Kafka writes it (base64url, no
   * padding, 22 characters). Set once; every later call returns the same id.
   */
  async clusterId(): Promise<string> {
    const current = await this.prisma.metadataVersion.findUniqueOrThrow({ where: { id: 1 } });
    if (current.clusterId !== '') return current.clusterId;
    const fresh = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    await this.prisma.metadataVersion.updateMany({ where: { id: 1, clusterId: '' }, data: { clusterId: fresh } });
    return (await this.prisma.metadataVersion.findUniqueOrThrow({ where: { id: 1 } })).clusterId;
  }

  async close(): Promise<void> {
    await this.release();
  }
}
