/**
 * The broker's client connection (what a follower fetches from its leader with) against a real
 * listener over sockets: SASL_SSL with SCRAM-SHA-512 and PLAIN, the server certificate checked
 * against the trust store and (ssl.endpoint.identification.algorithm=https) the host name,
 * mutual TLS with the key store, and re-authentication before the session expires (KIP-368).
 */
import { KafkaConnection } from '@strom/kafka-client';
import { ApiKey, createMetadataRequest, createMetadataResponse } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { TEST_STORE_PASSWORD, testTlsMaterial } from '@strom/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { apiVersionsBody, handleApiVersions } from '../src/api/api-versions.js';
import { ApiRouter } from '../src/api/router.js';
import { handleSaslAuthenticate, handleSaslHandshake } from '../src/api/security-apis.js';
import type { ConnectionSecurity } from '../src/network/connection.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { clientSecurity, type ClientSecurityOptions } from '../src/security/client-security.js';
import { makeScramCredential } from '../src/security/index.js';
import { listenerSecurity } from '../src/security/listener-security.js';
import { sslServer } from '../src/security/ssl/ssl-server.js';
import { defaultListenerSecurity, testListenerOptions } from './listener-options.js';

const tls = testTlsMaterial();
const logger = createLogger('kafka-connection-security-test', 'silent');

const brokerKeyStore = {
  'ssl.keystore.location': tls.broker.keystoreJks,
  'ssl.keystore.password': TEST_STORE_PASSWORD,
};
const trustStore = { 'ssl.truststore.location': tls.truststoreJks, 'ssl.truststore.password': TEST_STORE_PASSWORD };
const scramUsers = { broker: makeScramCredential('broker-secret', 'SCRAM-SHA-512') };

describe('KafkaConnection with TLS and SASL (the client side of inter-broker security)', () => {
  let listener: KafkaListener | undefined;
  const principals: string[] = [];
  const connections: KafkaConnection[] = [];

  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    await listener?.stop(100);
    listener = undefined;
    principals.length = 0;
  });

  async function start(security: ConnectionSecurity, host = '127.0.0.1'): Promise<number> {
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.ApiVersions, handleApiVersions(router, { clusterId: () => 'test-cluster', nodeId: 1 }));
    router.register(ApiKey.SaslHandshake, handleSaslHandshake());
    router.register(ApiKey.SaslAuthenticate, handleSaslAuthenticate());
    router.register(ApiKey.Metadata, (_body, _version, client) => {
      principals.push(`${client.securityProtocol} ${client.principal}`);
      return createMetadataResponse({ clusterId: 'test', controllerId: 1 });
    });
    listener = new KafkaListener(testListenerOptions(logger, { security, host }), router, logger, () => apiVersionsBody(router));
    return listener.start();
  }

  const saslSsl = (overrides: { connectionsMaxReauthMs?: number; ssl?: Record<string, string> } = {}) =>
    listenerSecurity(
      {
        ...defaultListenerSecurity,
        securityProtocol: 'SASL_SSL',
        ssl: { ...brokerKeyStore, ...trustStore, ...overrides.ssl },
        saslMechanisms: ['SCRAM-SHA-512', 'PLAIN'],
        plainUsers: { admin: 'admin-secret' },
        connectionsMaxReauthMs: overrides.connectionsMaxReauthMs ?? 0,
      },
      { lookupScram: async (user, mechanism) => (mechanism === 'SCRAM-SHA-512' ? scramUsers[user as 'broker'] : undefined) },
    );

  async function connect(port: number, options: Partial<ClientSecurityOptions> & { host?: string }): Promise<KafkaConnection> {
    const security = clientSecurity({
      securityProtocol: options.securityProtocol ?? 'SASL_SSL',
      ssl: options.ssl ?? trustStore,
      sasl: 'sasl' in options ? options.sasl : { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'broker-secret' },
    });
    const connection = await KafkaConnection.connect(options.host ?? '127.0.0.1', port, {
      clientId: 'broker-2-fetcher-1',
      requestTimeoutMs: 5_000,
      security,
    });
    connections.push(connection);
    return connection;
  }

  const metadata = (connection: KafkaConnection) => connection.request(ApiKey.Metadata, createMetadataRequest({ topics: [] }));

  it('SASL_SSL with SCRAM-SHA-512: TLS, ApiVersions, the SCRAM exchange, then requests as the SASL user', async () => {
    const port = await start(saslSsl());
    await metadata(await connect(port, {}));
    await metadata(await connect(port, { sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' } }));
    expect(principals).toEqual(['SASL_SSL User:broker', 'SASL_SSL User:admin']);
  });

  it('SASL_PLAINTEXT: the same exchange without TLS', async () => {
    const port = await start(
      listenerSecurity(
        {
          ...defaultListenerSecurity,
          securityProtocol: 'SASL_PLAINTEXT',
          saslMechanisms: ['PLAIN'],
          plainUsers: { admin: 'admin-secret' },
        },
        { lookupScram: async () => undefined },
      ),
    );
    await metadata(
      await connect(port, {
        securityProtocol: 'SASL_PLAINTEXT',
        sasl: { mechanism: 'PLAIN', username: 'admin', password: 'admin-secret' },
      }),
    );
    expect(principals).toEqual(['SASL_PLAINTEXT User:admin']);
  });

  it('a wrong password, and a mechanism the listener does not enable, fail the connection with the server’s answer', async () => {
    const port = await start(saslSsl());
    await expect(connect(port, { sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'wrong' } })).rejects.toThrow(
      'SASL authentication failed (SASL_AUTHENTICATION_FAILED): Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    );
    await expect(connect(port, { sasl: { mechanism: 'SCRAM-SHA-256', username: 'broker', password: 'broker-secret' } })).rejects.toThrow(
      "Client SASL mechanism 'SCRAM-SHA-256' not enabled in the server, enabled mechanisms are [SCRAM-SHA-512, PLAIN]",
    );
    expect(principals).toEqual([]);
  });

  it('the leader’s certificate must chain to the trust store (without one: Node’s CAs, which do not know the test CA)', async () => {
    const port = await start(saslSsl());
    await expect(connect(port, { ssl: {} })).rejects.toThrow(/cannot connect to 127\.0\.0\.1:\d+ with TLS: .*(certificate|self.signed)/i);
  });

  it('ssl.endpoint.identification.algorithm=https checks the host name against the certificate; empty does not', async () => {
    // The broker certificate names localhost and 127.0.0.1; 127.0.0.2 reaches the same listener on loopback.
    const port = await start(saslSsl(), '0.0.0.0');
    await expect(connect(port, { host: '127.0.0.2' })).rejects.toThrow(/with TLS: .*(IP: 127\.0\.0\.2 is not in the cert's list|altnames)/);
    await metadata(await connect(port, { host: 'localhost' }));
    await metadata(await connect(port, { host: '127.0.0.2', ssl: { ...trustStore, 'ssl.endpoint.identification.algorithm': '' } }));
    expect(principals).toEqual(['SASL_SSL User:broker', 'SASL_SSL User:broker']);
  });

  it('SSL with ssl.client.auth=required: the key store is presented and its subject is the principal', async () => {
    const port = await start({ protocol: 'SSL', ssl: sslServer({ ...brokerKeyStore, ...trustStore, 'ssl.client.auth': 'required' }) });
    await expect(connect(port, { securityProtocol: 'SSL', sasl: undefined }).then(metadata)).rejects.toThrow();
    await metadata(await connect(port, { securityProtocol: 'SSL', sasl: undefined, ssl: { ...trustStore, ...brokerKeyStore } }));
    expect(principals).toEqual(['SSL User:CN=localhost']);
  });

  it('re-authenticates on the same connection before the session the server granted runs out', async () => {
    const port = await start(saslSsl({ connectionsMaxReauthMs: 1_500 }));
    const connection = await connect(port, {});
    expect(connection.reauthenticationDue).toBe(false);
    await metadata(connection);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(connection.reauthenticationDue).toBe(true);
    await connection.reauthenticate();
    expect(connection.reauthenticationDue).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // Past the first session's end: served only because the session was renewed.
    await metadata(connection);
    expect(connection.isClosed).toBe(false);
    expect(principals).toEqual(['SASL_SSL User:broker', 'SASL_SSL User:broker']);
  });
});
