import { requestJson, type Bus } from '@strom/bus';
import { CoordinatorSubjects } from '@strom/contracts';

/** Producer ids the broker claims at a time from the coordinator (Kafka: 1000 per block). */
const BLOCK_SIZE = 1000;

/**
 * Hands out producer ids from blocks claimed from the coordinator, so ids are unique across
 * brokers without a round trip per producer. Concurrent callers share one block request.
 */
export class ProducerIdManager {
  private next = 0n;
  private end = 0n;
  private claiming?: Promise<void>;

  constructor(
    private readonly bus: Bus,
    private readonly requestTimeoutMs: number,
  ) {}

  async nextId(): Promise<bigint> {
    while (this.next >= this.end) {
      this.claiming ??= this.claim().finally(() => (this.claiming = undefined));
      await this.claiming;
    }
    return this.next++;
  }

  private async claim(): Promise<void> {
    const block = await requestJson<{ firstProducerId: string; size: number }>(
      this.bus,
      CoordinatorSubjects.producerIdBlock,
      { size: BLOCK_SIZE },
      { timeoutMs: this.requestTimeoutMs },
    );
    const first = BigInt(block.firstProducerId);
    if (first < this.end) throw new Error(`producer id block ${first} starts below the previous block's end ${this.end}`);
    this.next = first;
    this.end = first + BigInt(block.size);
  }
}
