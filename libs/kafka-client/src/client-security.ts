import type { ConnectionOptions } from 'node:tls';
import type { SaslClientCredentials } from './sasl-client-mechanism.js';

/** The security protocols a Kafka listener speaks (Kafka's `SecurityProtocol`). */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

/** True for the protocols that authenticate with SASL (over TCP or over TLS). */
export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/** True for the protocols whose connections are TLS. */
export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

/** The client side of TLS to one kind of server: what each connection is made with. */
export interface ClientTls {
  /** Whether the server's certificate must name the host (ssl.endpoint.identification.algorithm=https). */
  readonly verifiesHostName: boolean;
  /** For `tls.connect` to `host`: the trusted CAs, the key store for mutual TLS, protocols and ciphers, host checking. */
  connectOptions(host: string): ConnectionOptions;
}

/** How a client connection authenticates: the server listener's protocol, its TLS and its SASL. */
export interface ClientSecurity {
  readonly protocol: SecurityProtocol;
  /** Set on SSL and SASL_SSL. */
  readonly tls: ClientTls | undefined;
  /** Set on SASL_PLAINTEXT and SASL_SSL: the mechanism and the credentials. */
  readonly sasl: (SaslClientCredentials & { readonly mechanism: string }) | undefined;
}

/** Plaintext without SASL. */
export const PLAINTEXT_CLIENT: ClientSecurity = { protocol: 'PLAINTEXT', tls: undefined, sasl: undefined };
