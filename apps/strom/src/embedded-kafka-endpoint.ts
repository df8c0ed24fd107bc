import type { KafkaEndpoint } from '@strom/admin-api';
import type { BoundListener, BrokerService } from '@strom/broker';
import type { ServerConfig } from '@strom/config';

/**
 * Where the embedded admin API reaches the broker over the Kafka protocol: this process's own
 * listener (an unspecified bind address is reached on loopback). A SASL_PLAINTEXT listener comes
 * first, so that with SASL configured every HTTP user authenticates as themself (HTTP Basic, the
 * listener's first mechanism) and the broker's ACLs apply; else the first PLAINTEXT one. Known
 * once the broker has started; the admin API asks on each new connection.
 */
export function embeddedKafkaEndpoint(broker: () => BrokerService | undefined, config: ServerConfig): () => KafkaEndpoint {
  return () => {
    const listeners = broker()?.boundListeners ?? [];
    const sasl = listeners.find((listener) => listener.securityProtocol === 'SASL_PLAINTEXT');
    const mechanism = sasl ? config.sasl(sasl.name)?.enabledMechanisms[0] : undefined;
    if (sasl && mechanism) return { bootstrap: address(sasl), protocol: 'SASL_PLAINTEXT', saslMechanism: mechanism };
    const plaintext = listeners.find((listener) => listener.securityProtocol === 'PLAINTEXT');
    if (!plaintext) throw new Error('the admin API needs a PLAINTEXT or SASL_PLAINTEXT listener of this broker, and none is bound');
    return { bootstrap: address(plaintext) };
  };
}

function address(listener: BoundListener): string {
  const host = listener.host === '' || listener.host === '0.0.0.0' || listener.host === '::' ? '127.0.0.1' : listener.host;
  return `${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
}
