import { usesSasl, usesTls, type ClientSecurity, type SaslClientCredentials, type SecurityProtocol } from '@strom/kafka-client';
import { sslClient } from './ssl/ssl-client.js';
import type { SslSettings } from './ssl/ssl-stores.js';

export { PLAINTEXT_CLIENT, type ClientSecurity } from '@strom/kafka-client';

/** A broker's client side towards other brokers, as configured (see `InterBrokerSecurityOptions`). */
export interface ClientSecurityOptions {
  readonly securityProtocol: SecurityProtocol;
  /** The inter-broker listener's `ssl.*` settings (its `listener.name.<l>.ssl.*` over the broker-wide ones). */
  readonly ssl: SslSettings;
  readonly sasl: (SaslClientCredentials & { readonly mechanism: string }) | undefined;
}

/**
 * The client security for a protocol (Kafka's ChannelBuilders.clientChannelBuilder): TLS from
 * the `ssl.*` settings on SSL/SASL_SSL (throws SslConfigError naming the key when a store cannot
 * be read), SASL with the mechanism and credentials on SASL_*. Throws when SASL is needed and not
 * configured.
 */
export function clientSecurity(options: ClientSecurityOptions): ClientSecurity {
  const protocol = options.securityProtocol;
  const sasl = usesSasl(protocol) ? options.sasl : undefined;
  if (usesSasl(protocol) && sasl === undefined) throw new Error(`${protocol} needs a SASL mechanism and credentials`);
  return { protocol, tls: usesTls(protocol) ? sslClient(options.ssl) : undefined, sasl };
}
