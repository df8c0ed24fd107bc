import type { KafkaEndpoint } from '@strom/admin-api';
import type { BrokerService } from '@strom/broker';

/**
 * Where the embedded admin API reaches the broker over the Kafka protocol: this process's own
 * first PLAINTEXT listener (an unspecified bind address is reached on loopback). Known once the
 * broker has started; the admin API asks on each new connection.
 */
export function embeddedKafkaEndpoint(broker: () => BrokerService | undefined): () => KafkaEndpoint {
  return () => {
    const listener = broker()?.boundListeners.find((candidate) => candidate.securityProtocol === 'PLAINTEXT');
    if (!listener) throw new Error('the admin API needs a PLAINTEXT listener of this broker, and none is bound');
    const host = listener.host === '' || listener.host === '0.0.0.0' || listener.host === '::' ? '127.0.0.1' : listener.host;
    return { bootstrap: `${host.includes(':') ? `[${host}]` : host}:${listener.port}` };
  };
}
