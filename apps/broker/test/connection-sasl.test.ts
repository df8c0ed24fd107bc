import { connect, type Socket } from 'node:net';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createApiVersionsRequest,
  createMetadataRequest,
  createMetadataResponse,
  createSaslAuthenticateRequest,
  createSaslHandshakeRequest,
  decodeResponse,
  encodeRequestFrame,
  FrameReader,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { apiVersionsBody, handleApiVersions } from '../src/api/api-versions.js';
import { ApiRouter } from '../src/api/router.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { handleSaslAuthenticate, handleSaslHandshake } from '../src/api/security-apis.js';
import type { ConnectionSecurity } from '../src/network/connection.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { defaultListenerSecurity, testListenerOptions } from './listener-options.js';
import { listenerSecurity } from '../src/security/listener-security.js';

const logger = createLogger('connection-sasl-test', 'silent');

/** A bare client: typed requests, raw frames, close detection. */
class TestClient {
  private readonly reader = new FrameReader({ maxFrameBytes: 16 * 1024 * 1024 });
  private readonly frames: Buffer[] = [];
  private wake?: () => void;
  private correlationId = 1;
  readonly closed: Promise<void>;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.reader.push(chunk));
      this.wake?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static async open(port: number): Promise<TestClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new TestClient(socket);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async frame(timeoutMs = 3000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.frames.shift()!;
  }

  async call<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> {
    const correlationId = this.correlationId++;
    this.send(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'test' }, body));
    const response = decodeResponse(apiKey, apiVersion, await this.frame());
    expect(response.header.correlationId).toBe(correlationId);
    return response.body;
  }

  metadataRequest(): Buffer {
    return encodeRequestFrame(
      { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: this.correlationId++, clientId: 'test' },
      createMetadataRequest({ topics: [] }),
    );
  }

  async closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
  }

  end(): void {
    this.socket.destroy();
  }
}

/** A size-prefixed frame. */
function sized(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(payload.length, 0);
  return Buffer.concat([prefix, payload]);
}

describe('KafkaConnection on a SASL_PLAINTEXT listener', () => {
  let listener: KafkaListener | undefined;
  const principals: string[] = [];

  afterEach(async () => {
    await listener?.stop(100);
    listener = undefined;
    principals.length = 0;
  });

  async function start(security: ConnectionSecurity): Promise<number> {
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.ApiVersions, handleApiVersions(router, { clusterId: () => 'test-cluster', nodeId: 1 }));
    router.register(ApiKey.SaslHandshake, handleSaslHandshake());
    router.register(ApiKey.SaslAuthenticate, handleSaslAuthenticate());
    router.register(ApiKey.Metadata, (_body, _version, client) => {
      principals.push(client.principal);
      return createMetadataResponse({ clusterId: 'test', controllerId: 1 });
    });
    listener = new KafkaListener(testListenerOptions(logger, { security }), router, logger, () => apiVersionsBody(router));
    return listener.start();
  }

  const sasl = () =>
    listenerSecurity(
      {
        ...defaultListenerSecurity,
        securityProtocol: 'SASL_PLAINTEXT',
        saslMechanisms: ['PLAIN', 'SCRAM-SHA-256'],
        plainUsers: { alice: 'alice-pw' },
      },
      { lookupScram: () => Promise.resolve(undefined) },
    );

  it('closes a connection whose first request is neither ApiVersions nor SaslHandshake', async () => {
    const client = await TestClient.open(await start(sasl()));
    client.send(client.metadataRequest());
    expect(await client.closedWithin(2000)).toBe(true);
    expect(principals).toEqual([]);
  });

  it('ApiVersions, SaslHandshake v1, SaslAuthenticate: then requests are served with the principal', async () => {
    const client = await TestClient.open(await start(sasl()));
    const versions = await client.call(
      ApiKey.ApiVersions,
      3,
      createApiVersionsRequest({ clientSoftwareName: 't', clientSoftwareVersion: '1' }),
    );
    expect(versions.apiKeys.map((k) => k.apiKey)).toContain(ApiKey.SaslHandshake);
    const handshake = await client.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    expect(handshake).toMatchObject({ errorCode: 0, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
    const auth = await client.call(
      ApiKey.SaslAuthenticate,
      2,
      createSaslAuthenticateRequest({ authBytes: Buffer.from('\0alice\0alice-pw') }),
    );
    expect(auth.errorCode).toBe(0);
    await client.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: [] }));
    expect(principals).toEqual(['User:alice']);
    // A second handshake on an authenticated connection: ILLEGAL_SASL_STATE, the connection stays.
    const again = await client.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    expect(again.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    await client.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: [] }));
    client.end();
  });

  it('answers a failed authentication, then closes the connection', async () => {
    const client = await TestClient.open(await start(sasl()));
    await client.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    const auth = await client.call(ApiKey.SaslAuthenticate, 2, createSaslAuthenticateRequest({ authBytes: Buffer.from('\0alice\0wrong') }));
    expect(auth.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(auth.errorMessage).toMatch(/Authentication failed/);
    expect(await client.closedWithin(2000)).toBe(true);
  });

  it('answers an unsupported mechanism with the enabled ones, then closes', async () => {
    const client = await TestClient.open(await start(sasl()));
    const handshake = await client.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'GSSAPI' }));
    expect(handshake).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
    expect(await client.closedWithin(2000)).toBe(true);
  });

  it('after SaslHandshake v0 takes raw SASL tokens without a Kafka header', async () => {
    const client = await TestClient.open(await start(sasl()));
    const handshake = await client.call(ApiKey.SaslHandshake, 0, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    expect(handshake.errorCode).toBe(0);
    client.send(sized(Buffer.from('\0alice\0alice-pw')));
    expect((await client.frame()).length).toBe(0); // PLAIN's empty server token, size-prefixed
    await client.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: [] }));
    expect(principals).toEqual(['User:alice']);
    client.end();
  });

  it('closes after a wrong raw token', async () => {
    const client = await TestClient.open(await start(sasl()));
    await client.call(ApiKey.SaslHandshake, 0, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    client.send(sized(Buffer.from('\0alice\0nope')));
    expect(await client.closedWithin(2000)).toBe(true);
  });

  it('refuses frames above sasl.server.max.receive.size before authentication, not after', async () => {
    const port = await start(sasl());
    const big = Buffer.alloc(4);
    big.writeInt32BE(600 * 1024, 0);
    const early = await TestClient.open(port);
    early.send(big);
    expect(await early.closedWithin(2000)).toBe(true);

    const late = await TestClient.open(port);
    await late.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    await late.call(ApiKey.SaslAuthenticate, 2, createSaslAuthenticateRequest({ authBytes: Buffer.from('\0alice\0alice-pw') }));
    late.send(big);
    expect(await late.closedWithin(300)).toBe(false);
    late.end();
  });

  it('answers requests pipelined behind the authentication in order', async () => {
    const client = await TestClient.open(await start(sasl()));
    await client.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    const auth = encodeRequestFrame(
      { apiKey: ApiKey.SaslAuthenticate, apiVersion: 2, correlationId: 100, clientId: 't' },
      createSaslAuthenticateRequest({ authBytes: Buffer.from('\0alice\0alice-pw') }),
    );
    const metadata = encodeRequestFrame(
      { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 101, clientId: 't' },
      createMetadataRequest({ topics: [] }),
    );
    client.send(Buffer.concat([auth, metadata]));
    expect(decodeResponse(ApiKey.SaslAuthenticate, 2, await client.frame()).header.correlationId).toBe(100);
    expect(decodeResponse(ApiKey.Metadata, 12, await client.frame()).header.correlationId).toBe(101);
    expect(principals).toEqual(['User:alice']);
    client.end();
  });
});

describe('KafkaConnection on a PLAINTEXT listener', () => {
  it('keeps User:ANONYMOUS and answers SaslHandshake / SaslAuthenticate with ILLEGAL_SASL_STATE', async () => {
    const router = new ApiRouter(API_AUTHORIZATION);
    const principals: string[] = [];
    router.register(ApiKey.SaslHandshake, handleSaslHandshake());
    router.register(ApiKey.SaslAuthenticate, handleSaslAuthenticate());
    router.register(ApiKey.Metadata, (_body, _version, client) => {
      principals.push(client.principal);
      return createMetadataResponse({});
    });
    const listener = new KafkaListener(testListenerOptions(logger), router, logger, () => apiVersionsBody(router));
    const port = await listener.start();
    try {
      const client = await TestClient.open(port);
      const handshake = await client.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
      expect(handshake).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
      const auth = await client.call(ApiKey.SaslAuthenticate, 2, createSaslAuthenticateRequest({ authBytes: Buffer.from('x') }));
      expect(auth.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
      await client.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: [] }));
      expect(principals).toEqual(['User:ANONYMOUS']);
      client.end();
    } finally {
      await listener.stop(100);
    }
  });
});

describe('listenerSecurity', () => {
  it('refuses a SASL listener without a supported mechanism (Kafka default GSSAPI)', () => {
    const scram = { lookupScram: () => Promise.resolve(undefined) };
    expect(() =>
      listenerSecurity({ ...defaultListenerSecurity, securityProtocol: 'SASL_PLAINTEXT', saslMechanisms: ['GSSAPI'] }, scram),
    ).toThrow(/GSSAPI/);
    expect(() =>
      listenerSecurity({ ...defaultListenerSecurity, securityProtocol: 'SASL_PLAINTEXT', saslMechanisms: ['OAUTHBEARER'] }, scram),
    ).toThrow(/not/);
    expect(listenerSecurity({ ...defaultListenerSecurity, securityProtocol: 'PLAINTEXT' }, scram)).toEqual({ protocol: 'PLAINTEXT' });
  });
});
