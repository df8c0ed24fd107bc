import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiKey,
  createAlterUserScramCredentialsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDescribeUserScramCredentialsRequest,
  createSaslAuthenticateRequest,
  createSaslHandshakeRequest,
  decodeResponse,
  encodeRequestFrame,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { RawClient } from './raw-client.js';

/** Writes a server.properties with these lines into a fresh temp dir; returns its path. */
export function writeServerProperties(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'strom-sasl-props-'));
  const path = join(dir, 'server.properties');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The JAAS line giving PLAIN users on the SASL_PLAINTEXT listener, as Kafka's docs write it. */
export function plainJaas(users: Record<string, string>): string {
  const entries = Object.entries(users)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ');
  return `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${entries};`;
}

/**
 * A server.properties for embedded Strom whose only listener is SASL_PLAINTEXT (these PLAIN
 * `users`, and `mechanisms`), with StandardAuthorizer and `admin` as the super user.
 */
export function securedServerProperties(users: Record<string, string>, mechanisms: readonly string[] = ['PLAIN']): string {
  return writeServerProperties([
    'listeners=SASL_PLAINTEXT://127.0.0.1:9093',
    `sasl.enabled.mechanisms=${mechanisms.join(',')}`,
    plainJaas(users),
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:admin',
  ]);
}

/** A raw Kafka connection with typed request/response round trips. */
export class RawKafka {
  private correlationId = 1;

  private constructor(readonly raw: RawClient) {}

  static async connect(port: number): Promise<RawKafka> {
    return new RawKafka(await RawClient.connect(port));
  }

  async call<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> {
    const correlationId = this.correlationId++;
    this.raw.send(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'sasl-e2e' }, body));
    const response = decodeResponse(apiKey, apiVersion, await this.raw.nextFrame());
    if (response.header.correlationId !== correlationId) throw new Error('correlation id mismatch');
    return response.body;
  }

  /**
   * Creates these topics (name → partition count, the broker's default replication) with
   * CreateTopics v7, and throws unless every one was created.
   */
  async createTopics(partitionsByName: Record<string, number>): Promise<ResponseBodies[typeof ApiKey.CreateTopics]> {
    const created = await this.call(
      ApiKey.CreateTopics,
      7,
      createCreateTopicsRequest({
        timeoutMs: 30_000,
        topics: Object.entries(partitionsByName).map(([name, numPartitions]) =>
          createCreateTopicsRequestCreatableTopic({ name, numPartitions, replicationFactor: -1 }),
        ),
      }),
    );
    const failed = created.topics.filter((topic) => topic.errorCode !== 0);
    if (failed.length > 0) {
      throw new Error(
        `CreateTopics failed: ${failed.map((topic) => `${topic.name}: ${topic.errorCode} ${topic.errorMessage}`).join(', ')}`,
      );
    }
    return created;
  }

  /** SaslHandshake v1 + SaslAuthenticate v2 with PLAIN. */
  async authenticatePlain(user: string, password: string): Promise<ResponseBodies[typeof ApiKey.SaslAuthenticate]> {
    const handshake = await this.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    if (handshake.errorCode !== 0) throw new Error(`SaslHandshake failed: ${handshake.errorCode}`);
    return this.call(
      ApiKey.SaslAuthenticate,
      2,
      createSaslAuthenticateRequest({ authBytes: Buffer.from(`\0${user}\0${password}`, 'utf8') }),
    );
  }

  async upsertScram(
    upsertions: { name: string; mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | number; password: string; iterations?: number }[],
    deletions: { name: string; mechanism: number }[] = [],
  ): Promise<ResponseBodies[typeof ApiKey.AlterUserScramCredentials]> {
    return this.call(
      ApiKey.AlterUserScramCredentials,
      0,
      createAlterUserScramCredentialsRequest({
        deletions,
        upsertions: upsertions.map(({ name, mechanism, password, iterations = 4096 }) => {
          const type = mechanism === 'SCRAM-SHA-256' ? 1 : mechanism === 'SCRAM-SHA-512' ? 2 : mechanism;
          const salt = randomBytes(24);
          const hash = type === 1 ? 'sha256' : 'sha512';
          const saltedPassword = pbkdf2Sync(Buffer.from(password), salt, iterations, type === 1 ? 32 : 64, hash);
          return { name, mechanism: type, iterations, salt, saltedPassword };
        }),
      }),
    );
  }

  async describeScram(users: string[] | null): Promise<ResponseBodies[typeof ApiKey.DescribeUserScramCredentials]> {
    return this.call(
      ApiKey.DescribeUserScramCredentials,
      0,
      createDescribeUserScramCredentialsRequest({ users: users === null ? null : users.map((name) => ({ name })) }),
    );
  }

  end(): void {
    this.raw.end();
  }
}
