import { newClusterId } from '../cluster-id.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { MetadataStore } from '../model.js';
import { PrismaBrokerRepository } from './repositories/brokers.js';
import { PrismaBrokerConfigRepository, PrismaGroupConfigRepository } from './repositories/configs.js';
import { PrismaMembershipRepository } from './repositories/membership.js';
import { PrismaGroupOffsetRepository } from './repositories/offsets.js';
import { PrismaPartitionRepository } from './repositories/partitions.js';
import { PrismaProducerIdRepository } from './repositories/producer-ids.js';
import { PrismaSecurityRepository } from './repositories/security.js';
import { PrismaTopicRepository } from './repositories/topics.js';

/** The cluster metadata repositories over one Prisma client (Postgres, or PGlite). */
export class PrismaMetadataStore implements MetadataStore {
  readonly brokers: PrismaBrokerRepository;
  readonly brokerConfigs: PrismaBrokerConfigRepository;
  readonly groupConfigs: PrismaGroupConfigRepository;
  readonly topics: PrismaTopicRepository;
  readonly partitions: PrismaPartitionRepository;
  readonly membership: PrismaMembershipRepository;
  readonly offsets: PrismaGroupOffsetRepository;
  readonly producerIds: PrismaProducerIdRepository;
  readonly security: PrismaSecurityRepository;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly release: () => Promise<void>,
  ) {
    this.brokers = new PrismaBrokerRepository(prisma);
    this.brokerConfigs = new PrismaBrokerConfigRepository(prisma);
    this.groupConfigs = new PrismaGroupConfigRepository(prisma);
    this.topics = new PrismaTopicRepository(prisma);
    this.partitions = new PrismaPartitionRepository(prisma);
    this.membership = new PrismaMembershipRepository(prisma);
    this.offsets = new PrismaGroupOffsetRepository(prisma);
    this.producerIds = new PrismaProducerIdRepository(prisma);
    this.security = new PrismaSecurityRepository(prisma);
  }

  async version(): Promise<bigint> {
    return (await this.prisma.metadataVersion.findUniqueOrThrow({ where: { id: 1 } })).version;
  }

  async clusterId(): Promise<string> {
    const current = await this.prisma.metadataVersion.findUniqueOrThrow({ where: { id: 1 } });
    if (current.clusterId !== '') return current.clusterId;
    await this.prisma.metadataVersion.updateMany({ where: { id: 1, clusterId: '' }, data: { clusterId: newClusterId() } });
    return (await this.prisma.metadataVersion.findUniqueOrThrow({ where: { id: 1 } })).clusterId;
  }

  async close(): Promise<void> {
    await this.release();
  }
}
