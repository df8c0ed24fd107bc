import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import { isScramMechanism, SCRAM_MECHANISMS, scramSaltedPassword, type ScramMechanism } from '@strom/kafka-client';
import {
  ApiKey,
  createAlterUserScramCredentialsRequest,
  createDescribeUserScramCredentialsRequest,
  type AlterUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponse,
} from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { clusterScope } from './cluster-routes.js';
import { KafkaRestCode, kafkaRestError, RestError } from './errors.js';
import { STROM_PREFIX, type Route, type RouteContext } from './route.js';

/** kafka-configs.sh's iteration count when `iterations=` is not given (ConfigCommand.DefaultScramIterations). */
export const DEFAULT_SCRAM_ITERATIONS = 4096;

type UserResult = DescribeUserScramCredentialsResponse['results'][number];

/**
 * A random salt as Kafka's admin client makes one (ScramFormatter.secureRandomBytes): a 130-bit
 * random number written in base 36, as UTF-8 bytes.
 */
export function kafkaScramSalt(): Buffer {
  const bytes = randomBytes(17);
  bytes[0]! &= 0x03;
  return Buffer.from(BigInt(`0x${bytes.toString('hex')}`).toString(36), 'utf8');
}

/**
 * A Kafka error of the SCRAM APIs as REST answers it: a user or credential that does not exist is
 * the resource's 404, an unacceptable credential (iterations out of range, an empty name) a bad
 * request; the rest as errors.ts maps Kafka's codes.
 */
function scramRestError(code: number, message: string | null): RestError {
  if (code === ErrorCode.RESOURCE_NOT_FOUND) return RestError.notFound(message ?? 'SCRAM credential not found.');
  if (code === ErrorCode.UNACCEPTABLE_CREDENTIAL || code === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    return new RestError(400, KafkaRestCode.KAFKA_BAD_REQUEST, message ?? 'Unacceptable credential.');
  }
  return kafkaRestError(code, message);
}

function mechanismParam(context: RouteContext): ScramMechanism {
  const name = context.params.mechanism!;
  if (!isScramMechanism(name))
    throw RestError.notFound(`SCRAM mechanism ${name} is not one of ${Object.keys(SCRAM_MECHANISMS).join(', ')}.`);
  return name;
}

/** DescribeUserScramCredentials for `users` (all users when null); a request-level error is thrown. */
async function describeUsers(client: ClusterClient, users: readonly string[] | null): Promise<UserResult[]> {
  const response = await client.request(
    ApiKey.DescribeUserScramCredentials,
    createDescribeUserScramCredentialsRequest({ users: users === null ? null : users.map((name) => ({ name })) }),
  );
  if (response.errorCode !== ErrorCode.NONE) throw scramRestError(response.errorCode, response.errorMessage);
  return response.results;
}

/** One user's mechanisms, or the 404 for a user without any credential. */
async function describeUser(client: ClusterClient, user: string): Promise<UserResult> {
  const result = (await describeUsers(client, [user]))[0]!;
  if (result.errorCode !== ErrorCode.NONE) throw scramRestError(result.errorCode, result.errorMessage);
  return result;
}

/** One user's change (AlterUserScramCredentials), its per-user error thrown. */
async function alterCredential(
  client: ClusterClient,
  change: Pick<AlterUserScramCredentialsRequest, 'deletions' | 'upsertions'>,
): Promise<void> {
  const response = await client.request(ApiKey.AlterUserScramCredentials, createAlterUserScramCredentialsRequest(change));
  for (const result of response.results)
    if (result.errorCode !== ErrorCode.NONE) throw scramRestError(result.errorCode, result.errorMessage);
}

function userData(context: RouteContext, clusterId: string, result: UserResult) {
  return {
    kind: 'StromScramUser',
    metadata: { self: `${context.origin}${STROM_PREFIX}/clusters/${clusterId}/scram-users/${encodeURIComponent(result.user)}` },
    cluster_id: clusterId,
    user_name: result.user,
    credentials: result.credentialInfos.map((info) => ({
      mechanism: Object.values(SCRAM_MECHANISMS).find((candidate) => candidate.type === info.mechanism)?.name ?? 'UNKNOWN',
      iterations: info.iterations,
    })),
  };
}

const USERS_PATH = '/clusters/{cluster_id}/scram-users';
const CREDENTIAL_PATH = `${USERS_PATH}/{user_name}/credentials/{mechanism}`;
const TAG = 'SCRAM User (Strom)';

/**
 * SCRAM users (Strom's own, under /strom/v1): what kafka-configs.sh does with
 * `--entity-type users --alter --add-config 'SCRAM-SHA-512=[iterations=…,password=…]'`, over
 * DescribeUserScramCredentials and AlterUserScramCredentials as the request's user, so the broker
 * checks DESCRIBE or ALTER on the cluster as it would for that user's own tools.
 */
export const SCRAM_ROUTES: readonly Route[] = [
  {
    method: 'get',
    prefix: STROM_PREFIX,
    path: USERS_PATH,
    operationId: 'listStromScramUsers',
    summary: 'List SCRAM Users',
    tag: TAG,
    responses: { 200: 'StromScramUserDataList' },
    async handle(context) {
      const { links } = await clusterScope(context);
      const results = await describeUsers(context.client, null);
      return {
        status: 200,
        body: {
          kind: 'StromScramUserList',
          metadata: { self: `${context.origin}${STROM_PREFIX}/clusters/${links.clusterId}/scram-users`, next: null },
          data: results
            .filter((result) => result.errorCode === ErrorCode.NONE)
            .sort((a, b) => a.user.localeCompare(b.user))
            .map((result) => userData(context, links.clusterId, result)),
        },
      };
    },
  },
  {
    method: 'get',
    prefix: STROM_PREFIX,
    path: `${USERS_PATH}/{user_name}`,
    operationId: 'getStromScramUser',
    summary: 'Get a SCRAM User',
    tag: TAG,
    responses: { 200: 'StromScramUserData' },
    async handle(context) {
      const { links } = await clusterScope(context);
      return { status: 200, body: userData(context, links.clusterId, await describeUser(context.client, context.params.user_name!)) };
    },
  },
  {
    method: 'put',
    prefix: STROM_PREFIX,
    path: CREDENTIAL_PATH,
    operationId: 'upsertStromScramCredential',
    summary: 'Create or Update a SCRAM Credential',
    tag: TAG,
    requestBody: 'StromScramCredentialRequestData',
    responses: { 200: 'StromScramUserData' },
    async handle(context) {
      const { links } = await clusterScope(context);
      const mechanism = mechanismParam(context);
      const user = context.params.user_name!;
      const { password, iterations = DEFAULT_SCRAM_ITERATIONS } = context.body as { password: string; iterations?: number };
      const salt = kafkaScramSalt();
      const saltedPassword = await scramSaltedPassword(mechanism, password, salt, iterations);
      const type = SCRAM_MECHANISMS[mechanism].type;
      await alterCredential(context.client, {
        deletions: [],
        upsertions: [{ name: user, mechanism: type, iterations, salt, saltedPassword }],
      });
      return { status: 200, body: userData(context, links.clusterId, await describeUser(context.client, user)) };
    },
  },
  {
    method: 'delete',
    prefix: STROM_PREFIX,
    path: CREDENTIAL_PATH,
    operationId: 'deleteStromScramCredential',
    summary: 'Delete a SCRAM Credential',
    tag: TAG,
    responses: { 204: null },
    async handle(context) {
      await clusterScope(context);
      const mechanism = mechanismParam(context);
      await alterCredential(context.client, {
        deletions: [{ name: context.params.user_name!, mechanism: SCRAM_MECHANISMS[mechanism].type }],
        upsertions: [],
      });
      return { status: 204 };
    },
  },
];
