/**
 * The TLS listener over real sockets: the handshake comes before any Kafka bytes, a plaintext
 * client is refused (logged, rate-limited) while TLS clients keep being served, ssl.client.auth
 * none/requested/required with the certificate principal reaching the handler, and the
 * connection quotas counting TLS connections (also while they handshake).
 */
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import {
  ApiKey,
  createMetadataRequest,
  createMetadataResponse,
  createSaslAuthenticateRequest,
  createSaslHandshakeRequest,
  decodeResponse,
  encodeRequestFrame,
  FrameReader,
  type RequestBodies,
} from '@strom/protocol';
import { createLogger, type Logger } from '@strom/runtime';
import { TEST_STORE_PASSWORD, testTlsMaterial, type TestIdentity } from '@strom/testing';
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { handleSaslAuthenticate, handleSaslHandshake } from '../src/api/security-apis.js';
import type { ConnectionQuotaLimits } from '../src/network/connection-quotas.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import type { ConnectionLimits } from '../src/network/limits.js';
import type { SecurityProtocol } from '../src/network/request-handler.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { listenerSecurity } from '../src/security/listener-security.js';
import { sslServer } from '../src/security/ssl/ssl-server.js';
import { defaultListenerSecurity, kafkaDefaults, listenerFixture, testListenerOptions, until } from './listener-options.js';

const tls = testTlsMaterial();
const silent = createLogger('listener-tls-test', 'silent');

/** A Kafka client socket (TLS or not) that sends Metadata requests and collects the answers. */
class Client {
  readonly answers: number[] = [];
  closed = false;
  error: string | undefined;
  private readonly reader = new FrameReader({ maxFrameBytes: 1 << 20 });

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.answers.push(decodeResponse(ApiKey.Metadata, 12, frame).header.correlationId);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', (error: Error & { code?: string }) => (this.error = error.code ?? error.message));
  }

  ask(correlationId: number): void {
    this.socket.write(
      encodeRequestFrame({ apiKey: ApiKey.Metadata, apiVersion: 12, correlationId, clientId: 't' }, createMetadataRequest({ topics: [] })),
    );
  }
}

const brokerSsl = {
  'ssl.keystore.location': tls.broker.keystoreJks,
  'ssl.keystore.password': TEST_STORE_PASSWORD,
  'ssl.truststore.location': tls.truststoreJks,
  'ssl.truststore.password': TEST_STORE_PASSWORD,
};

describe('TLS listener (SSL, SASL_SSL)', () => {
  const fixture = listenerFixture();

  async function start(
    ssl: Record<string, string>,
    options: { logger?: Logger; quotas?: Partial<ConnectionQuotaLimits>; protocol?: SecurityProtocol; limits?: ConnectionLimits } = {},
  ): Promise<{ port: number; principals: string[]; protocols: (SecurityProtocol | undefined)[] }> {
    const logger = options.logger ?? silent;
    const principals: string[] = [];
    const protocols: (SecurityProtocol | undefined)[] = [];
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Metadata, (_body, _apiVersion, client) => {
      principals.push(client.principal);
      protocols.push(client.securityProtocol);
      return createMetadataResponse({ clusterId: 'tls' });
    });
    const listenerOptions = testListenerOptions(logger, {
      ...(options.limits ? { limits: options.limits } : {}),
      quotas: options.quotas ?? {},
      security: { protocol: options.protocol ?? 'SSL', ssl: sslServer({ ...brokerSsl, ...ssl }) },
    });
    fixture.listener = new KafkaListener(listenerOptions, router, logger, () => createMetadataResponse() as never);
    return { port: await fixture.listener.start(), principals, protocols };
  }

  async function openTls(port: number, identity?: TestIdentity): Promise<Client> {
    const socket = connectTls({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(tls.caPem),
      ...(identity ? { key: readFileSync(identity.keyPem), cert: readFileSync(identity.chainPem) } : {}),
    });
    fixture.sockets.push(socket);
    const client = new Client(socket);
    await new Promise<void>((resolve) => {
      socket.once('secureConnect', () => resolve());
      socket.once('close', () => resolve());
    });
    return client;
  }

  async function openPlain(port: number): Promise<Client> {
    const socket = connectTcp({ host: '127.0.0.1', port });
    fixture.sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  it('serves Kafka over TLS with the server certificate the client verifies for 127.0.0.1', async () => {
    const { port, principals, protocols } = await start({});
    const client = await openTls(port);
    expect((client.socket as TLSSocket).authorized).toBe(true);
    expect((client.socket as TLSSocket).getProtocol()).toBe('TLSv1.3');
    client.ask(1);
    client.ask(2);
    await until('both answered', () => client.answers.length === 2);
    expect(client.answers).toEqual([1, 2]);
    expect(principals).toEqual(['User:ANONYMOUS', 'User:ANONYMOUS']);
    expect(protocols).toEqual(['SSL', 'SSL']);
  });

  it('serves TLS with idle expiry off (connections.max.idle.ms negative): the handshake gets no timeout instead of crashing the broker', async () => {
    const { port } = await start({}, { limits: { ...kafkaDefaults.limits, idleTimeoutMs: Number.POSITIVE_INFINITY } });
    const client = await openTls(port);
    client.ask(1);
    await until('answered', () => client.answers.length === 1);
    expect(client.closed).toBe(false);
  });

  it('refuses a plaintext client on the TLS port, logs it rate-limited, and keeps serving TLS clients', async () => {
    const lines: string[] = [];
    const logger = createLogger('tls', 'info', { write: (line: string) => lines.push(line) } as never);
    const { port } = await start({}, { logger });
    const before = await openTls(port);
    const plain = await Promise.all(Array.from({ length: 8 }, () => openPlain(port)));
    for (const [i, client] of plain.entries()) client.ask(100 + i);
    await until('every plaintext client is closed', () => plain.every((client) => client.closed));
    expect(plain.flatMap((client) => client.answers)).toEqual([]);
    const refusals = lines
      .map((line) => JSON.parse(line) as { msg: string; reason?: string })
      .filter((line) => line.msg === 'TLS handshake failed');
    expect(refusals).toHaveLength(5); // ConnectionLog's default: 5 lines per kind and host per window
    expect(refusals[0]!.reason).toMatch(/WRONG_VERSION_NUMBER|HTTP_REQUEST|record/i);
    before.ask(1);
    const after = await openTls(port);
    after.ask(2);
    await until('TLS clients are answered', () => before.answers.length === 1 && after.answers.length === 1);
  });

  it('ssl.client.auth=required: the certificate subject is the principal; no or an untrusted certificate is refused', async () => {
    const { port, principals } = await start({ 'ssl.client.auth': 'required' });
    const alice = await openTls(port, tls.alice);
    alice.ask(1);
    await until('alice is answered', () => alice.answers.length === 1);
    expect(principals).toEqual(['User:CN=alice,OU=eng,O=Strom,C=DE']);

    const anonymous = await openTls(port);
    anonymous.ask(2);
    const mallory = await openTls(port, tls.mallory);
    mallory.ask(3);
    await until('both are closed', () => anonymous.closed && mallory.closed);
    expect([...anonymous.answers, ...mallory.answers]).toEqual([]);
    expect(principals).toHaveLength(1);
  });

  it('ssl.client.auth=requested: a certificate gives its principal, none is ANONYMOUS, an untrusted one is refused', async () => {
    const { port, principals } = await start({
      'ssl.client.auth': 'requested',
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]*),.*$/$1/U,DEFAULT',
    });
    const bob = await openTls(port, tls.bob);
    bob.ask(1);
    await until('bob is answered', () => bob.answers.length === 1);
    const anonymous = await openTls(port);
    anonymous.ask(2);
    await until('the client without a certificate is answered', () => anonymous.answers.length === 1);
    expect(principals).toEqual(['User:BOB', 'User:ANONYMOUS']);
    const mallory = await openTls(port, tls.mallory);
    mallory.ask(3);
    await until('mallory is closed', () => mallory.closed);
    expect(mallory.answers).toEqual([]);
  });

  it('ssl.client.auth=none: a client certificate is not asked for, the principal stays ANONYMOUS', async () => {
    const { port, principals } = await start({});
    const alice = await openTls(port, tls.alice);
    alice.ask(1);
    await until('alice is answered', () => alice.answers.length === 1);
    expect(principals).toEqual(['User:ANONYMOUS']);
  });

  it('SASL_SSL: SASL over TLS gates the connection; the SASL user is the principal, not the certificate', async () => {
    const security = listenerSecurity(
      {
        ...defaultListenerSecurity,
        securityProtocol: 'SASL_SSL',
        ssl: { ...brokerSsl, 'ssl.client.auth': 'requested' },
        saslMechanisms: ['PLAIN'],
        plainUsers: { alice: 'alice-pw' },
      },
      { lookupScram: () => Promise.resolve(undefined) },
    );
    const principals: string[] = [];
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.SaslHandshake, handleSaslHandshake());
    router.register(ApiKey.SaslAuthenticate, handleSaslAuthenticate());
    router.register(ApiKey.Metadata, (_body, _apiVersion, client) => {
      principals.push(`${client.securityProtocol} ${client.principal}`);
      return createMetadataResponse({ clusterId: 'tls' });
    });
    fixture.listener = new KafkaListener(
      testListenerOptions(silent, { security }),
      router,
      silent,
      () => createMetadataResponse() as never,
    );
    const port = await fixture.listener.start();

    const early = await openTls(port, tls.bob);
    early.ask(1);
    await until('a request before SASL closes the connection', () => early.closed);
    expect(early.answers).toEqual([]);

    const client = await openTls(port, tls.bob);
    const frames = new FrameReader({ maxFrameBytes: 1 << 20 });
    const received: Buffer[] = [];
    client.socket.removeAllListeners('data');
    client.socket.on('data', (chunk: Buffer) => received.push(...frames.push(chunk)));
    const call = async <K extends ApiKey>(apiKey: K, apiVersion: number, correlationId: number, body: RequestBodies[K]) => {
      client.socket.write(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 't' }, body));
      await until('answered', () => received.length > 0);
      return decodeResponse(apiKey, apiVersion, received.shift()!).body;
    };
    expect((await call(ApiKey.SaslHandshake, 1, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }))).errorCode).toBe(0);
    const auth = await call(ApiKey.SaslAuthenticate, 2, 2, createSaslAuthenticateRequest({ authBytes: Buffer.from('\0alice\0alice-pw') }));
    expect(auth.errorCode).toBe(0);
    await call(ApiKey.Metadata, 12, 3, createMetadataRequest({ topics: [] }));
    expect(principals).toEqual(['SASL_SSL User:alice']);
  });

  it('max.connections.per.ip counts TLS connections, also those still handshaking', async () => {
    const { port } = await start({}, { quotas: { maxConnectionsPerIp: 2 } });
    const handshaking = await openPlain(port); // holds a slot: the listener waits for its ClientHello
    const served = await openTls(port);
    const refused = await openTls(port);
    expect(refused.closed).toBe(true);
    served.ask(1);
    await until('the admitted TLS client is answered', () => served.answers.length === 1);
    expect(handshaking.closed).toBe(false);
    handshaking.socket.destroy();
    await until('the slot is free', () => handshaking.closed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = await openTls(port);
    next.ask(2);
    await until('a new TLS client is served once the slot frees', () => next.answers.length === 1);
  });

  it('honours ssl.enabled.protocols and ssl.cipher.suites (IANA names)', async () => {
    const { port } = await start({ 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
    const client = await openTls(port);
    const socket = client.socket as TLSSocket;
    expect(socket.getProtocol()).toBe('TLSv1.2');
    expect(socket.getCipher().standardName).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    client.ask(1);
    await until('answered', () => client.answers.length === 1);
  });
});
