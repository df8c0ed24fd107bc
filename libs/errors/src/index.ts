/**
 * The Kafka error table: numeric codes, names, retriable flags and default messages,
 * generated from the protocol guide (see spec/README.md). Nothing here is hand-kept.
 */
import { ERROR_DEFINITIONS, type ErrorCode, type ErrorDefinition } from './generated/error-codes.js';

export { ERROR_DEFINITIONS, ErrorCode, type ErrorDefinition, type ErrorName } from './generated/error-codes.js';

const BY_CODE: ReadonlyMap<number, ErrorDefinition> = new Map(ERROR_DEFINITIONS.map((e) => [e.code, e]));
const BY_NAME: ReadonlyMap<string, ErrorDefinition> = new Map(ERROR_DEFINITIONS.map((e) => [e.name, e]));

/** The table row for a code, or undefined for a code this table does not know. */
export function errorByCode(code: number): ErrorDefinition | undefined {
  return BY_CODE.get(code);
}

/** The table row for a name such as `NOT_LEADER_OR_FOLLOWER`, or undefined. */
export function errorByName(name: string): ErrorDefinition | undefined {
  return BY_NAME.get(name);
}

/** Whether Kafka considers the code retriable. Unknown codes are not retriable. */
export function isRetriable(code: number): boolean {
  return BY_CODE.get(code)?.retriable ?? false;
}

/** The symbolic name of a code, or `UNKNOWN(<code>)` for a code outside the table. */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `UNKNOWN(${code})`;
}

/**
 * Base class for errors that map to a Kafka error code. Protocol, storage and coordinator
 * errors extend it so that a handler can turn any of them into the code a response carries.
 */
export class KafkaError extends Error {
  /** The Kafka error code a response should carry for this failure. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  /** The symbolic name of {@link code}, e.g. `INVALID_REQUEST`. */
  get errorName(): string {
    return errorName(this.code);
  }

  /** Whether Kafka clients would retry on {@link code}. */
  get retriable(): boolean {
    return isRetriable(this.code);
  }
}
