import { ErrorCode, errorName } from '@strom/errors';

/**
 * An HTTP error in Confluent REST v3's shape: `{"error_code": …, "message": …}`. The error code is
 * the HTTP status for plain HTTP errors, or one of the REST proxy's five-digit codes for Kafka
 * errors (rest-utils' KafkaExceptionMapper: 40002, 40403, 50002, …).
 */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RestError';
  }

  get body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }

  static badRequest(message: string): RestError {
    return new RestError(400, 400, message);
  }

  static notFound(message: string): RestError {
    return new RestError(404, 404, message);
  }
}

/** rest-utils' KafkaExceptionMapper codes ("fixed for kafka-rest"). */
export const KafkaRestCode = {
  KAFKA_BAD_REQUEST: 40002,
  KAFKA_AUTHENTICATION: 40101,
  KAFKA_AUTHORIZATION: 40301,
  TOPIC_NOT_FOUND: 40401,
  PARTITION_NOT_FOUND: 40402,
  KAFKA_UNKNOWN_TOPIC_PARTITION: 40403,
  TOO_MANY_REQUESTS: 42901,
  KAFKA_ERROR: 50002,
  KAFKA_RETRIABLE_ERROR: 50003,
  BROKER_NOT_AVAILABLE: 50302,
} as const;

/** The Kafka errors the mapper answers 400/40002 for (its HANDLED table and InvalidTopicException). */
const BAD_REQUEST_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.INVALID_REPLICATION_FACTOR,
  ErrorCode.SECURITY_DISABLED,
  ErrorCode.UNSUPPORTED_VERSION,
  ErrorCode.INVALID_PARTITIONS,
  ErrorCode.INVALID_REQUEST,
  ErrorCode.UNKNOWN_SERVER_ERROR,
  ErrorCode.POLICY_VIOLATION,
  ErrorCode.TOPIC_ALREADY_EXISTS,
  ErrorCode.INVALID_CONFIG,
  ErrorCode.TOPIC_DELETION_DISABLED,
  ErrorCode.INVALID_TOPIC_EXCEPTION,
  ErrorCode.INVALID_REPLICA_ASSIGNMENT,
]);

const AUTHORIZATION_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED,
]);

/** Kafka's retriable errors that the mapper sees as RetriableException (500/50003). */
const RETRIABLE_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
  ErrorCode.REBALANCE_IN_PROGRESS,
]);

/**
 * A Kafka error code as the REST proxy answers it (rest-utils' KafkaExceptionMapper): unknown
 * topic or partition → 404/40403, authorization → 403/40301, SASL → 401/40101, the bad-request
 * family → 400/40002, broker not available → 503/50302, throttling → 429/42901, retriable → 500/50003,
 * anything else → 500/50002. The message is the broker's, or the Kafka exception's name.
 */
export function kafkaRestError(code: number, message?: string | null): RestError {
  const text = message ? message : `${errorName(code)}`;
  if (code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || code === ErrorCode.UNKNOWN_TOPIC_ID) {
    return new RestError(
      404,
      KafkaRestCode.KAFKA_UNKNOWN_TOPIC_PARTITION,
      message ? message : 'This server does not host this topic-partition.',
    );
  }
  if (AUTHORIZATION_ERRORS.has(code)) return new RestError(403, KafkaRestCode.KAFKA_AUTHORIZATION, text);
  if (code === ErrorCode.SASL_AUTHENTICATION_FAILED) return new RestError(401, KafkaRestCode.KAFKA_AUTHENTICATION, text);
  if (BAD_REQUEST_ERRORS.has(code)) return new RestError(400, KafkaRestCode.KAFKA_BAD_REQUEST, text);
  if (code === ErrorCode.BROKER_NOT_AVAILABLE) return new RestError(503, KafkaRestCode.BROKER_NOT_AVAILABLE, text);
  if (code === ErrorCode.THROTTLING_QUOTA_EXCEEDED) return new RestError(429, KafkaRestCode.TOO_MANY_REQUESTS, text);
  if (RETRIABLE_ERRORS.has(code)) return new RestError(500, KafkaRestCode.KAFKA_RETRIABLE_ERROR, text);
  return new RestError(500, KafkaRestCode.KAFKA_ERROR, text);
}

/** Throws the REST error for a Kafka error code; returns for NONE. */
export function throwIfKafkaError(code: number, message?: string | null): void {
  if (code !== ErrorCode.NONE) throw kafkaRestError(code, message);
}
