import { ApiKey, createMetadataRequest } from '@strom/protocol';
import { KafkaConnection } from '@strom/kafka-client';

/**
 * Waits (bounded) until a Metadata request to each broker on `host` at `ports` lists all of them:
 * a cluster is usable once every broker's view holds every registration, shortly after each says
 * it listens. `npm run cluster` and the benchmarks wait on it before printing or driving clients.
 */
export async function waitUntilEveryBrokerListsAll(
  host: string,
  ports: readonly number[],
  options: { clientId: string; timeoutMs: number; pollMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (const port of ports) {
    for (;;) {
      const seen = await KafkaConnection.connect(host, port, { clientId: options.clientId, requestTimeoutMs: 5_000 })
        .then(async (connection) => {
          try {
            const { body } = await connection.request(ApiKey.Metadata, createMetadataRequest({ topics: [] }));
            return body.brokers.length;
          } finally {
            connection.close();
          }
        })
        .catch(() => 0);
      if (seen >= ports.length) break;
      if (Date.now() > deadline) {
        throw new Error(`the broker on port ${port} lists ${seen} of ${ports.length} brokers after ${options.timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
    }
  }
}
