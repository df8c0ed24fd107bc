import type { PrismaClient } from '../../generated/prisma/client.js';
import { invariant } from '../../errors.js';
import type { ProducerIdBlock, ProducerIdRepository } from '../../model.js';

const maxAttempts = 16;

/** Hands out disjoint blocks of producer ids (Kafka's AllocateProducerIds semantics) from Postgres. */
export class PrismaProducerIdRepository implements ProducerIdRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Claims the next `size` producer ids with a compare-and-set on the block cursor, so two
   * coordinators can never get overlapping blocks. Retries a bounded number of times.
   */
  async allocateBlock(size: number): Promise<ProducerIdBlock> {
    invariant(Number.isInteger(size) && size > 0, 'block size is a positive integer');
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const cursor = await this.prisma.producerIdBlock.findUniqueOrThrow({ where: { id: 1 } });
      const claimed = await this.prisma.producerIdBlock.updateMany({
        where: { id: 1, nextProducerId: cursor.nextProducerId },
        data: { nextProducerId: cursor.nextProducerId + BigInt(size) },
      });
      if (claimed.count === 1) return { firstProducerId: cursor.nextProducerId, size };
    }
    throw new Error(`could not allocate a producer id block after ${maxAttempts} attempts`);
  }
}
