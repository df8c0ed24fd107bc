import { DEFAULT_REQUEST_TIMEOUT_MS, KafkaConnection } from '@strom/kafka-client';
import { ErrorCode, errorName } from '@strom/errors';

/** The CLI's Kafka connection: the broker's client, one socket, each request bounded by `requestTimeoutMs`. */
export function connectCli(bootstrap: string, requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<KafkaConnection> {
  return KafkaConnection.connectTo(bootstrap, { clientId: 'strom-cli', requestTimeoutMs });
}

/** A Kafka error code as a message, or nothing for success. */
export function kafkaError(code: number, message?: string | null): string | undefined {
  if (code === ErrorCode.NONE) return undefined;
  return message ? `${errorName(code)}: ${message}` : errorName(code);
}
