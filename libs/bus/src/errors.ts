/**
 * Typed errors of the bus. Every failure a caller can act on is a {@link BusError} with a
 * stable `code`; transport failures that fit no other class are {@link BusTransportError}
 * with the underlying error as `cause`.
 */
export type BusErrorCode =
  | 'NO_RESPONDERS'
  | 'TIMEOUT'
  | 'REMOTE'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'CLOSED'
  | 'INVALID_ARGUMENT'
  | 'SLOW_CONSUMER'
  | 'STREAM_FULL'
  | 'TRANSPORT';

export class BusError extends Error {
  readonly code: BusErrorCode;
  constructor(code: BusErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Nobody subscribes to the request's subject. Arrives without waiting for the timeout. */
export class BusNoRespondersError extends BusError {
  constructor(
    readonly subject: string,
    options?: ErrorOptions,
  ) {
    super('NO_RESPONDERS', `no responders for '${subject}'`, options);
  }
}

/** A request (or another bounded operation) did not complete within `timeoutMs`. */
export class BusTimeoutError extends BusError {
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super('TIMEOUT', `'${subject}' did not answer within ${timeoutMs} ms`, options);
  }
}

/** The responder's handler threw; `message` is its error message. */
export class BusRemoteError extends BusError {
  /** `name` of the error the remote handler threw, when known (e.g. 'TypeError'). */
  readonly remoteName: string | undefined;
  /** `code` of the remote error if it had a string code (e.g. a BusError code), else undefined. */
  readonly remoteCode: string | undefined;
  constructor(
    readonly subject: string,
    message: string,
    remote: { name?: string | undefined; code?: string | undefined } = {},
    options?: ErrorOptions,
  ) {
    super('REMOTE', message, options);
    this.remoteName = remote.name;
    this.remoteCode = remote.code;
  }
}

/** A stream append's `expectedLastSeq` did not match the stream's last sequence. */
export class BusConflictError extends BusError {
  constructor(
    readonly stream: string,
    readonly expectedLastSeq: bigint,
    /** The stream's last sequence at the time of the conflict, when the backend reports it. */
    readonly actualLastSeq: bigint | undefined,
  ) {
    super(
      'CONFLICT',
      `stream '${stream}': expected last sequence ${expectedLastSeq}` +
        (actualLastSeq === undefined ? ', but it differs' : `, but it is ${actualLastSeq}`),
    );
  }
}

/** A payload exceeds the bus's `maxPayloadBytes`. Nothing was sent. */
export class BusPayloadTooLargeError extends BusError {
  constructor(
    readonly sizeBytes: number,
    readonly maxPayloadBytes: number,
  ) {
    super('PAYLOAD_TOO_LARGE', `payload of ${sizeBytes} bytes exceeds the limit of ${maxPayloadBytes} bytes`);
  }
}

/** The bus was closed (or its connection is gone). */
export class BusClosedError extends BusError {
  constructor(message = 'bus is closed', options?: ErrorOptions) {
    super('CLOSED', message, options);
  }
}

/** Bad subject, stream name, timeout, … — a programming error on the caller's side. */
export class BusInvalidArgumentError extends BusError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** A subscriber's bounded queue overflowed; `dropped` messages were discarded. */
export class BusSlowConsumerError extends BusError {
  constructor(
    readonly subject: string,
    readonly maxPendingMessages: number,
  ) {
    super('SLOW_CONSUMER', `subscriber on '${subject}' has ${maxPendingMessages} pending messages; dropping new ones`);
  }
}

/** A stream reached its `maxStreamEntries`; the append was rejected (nothing is discarded). */
export class BusStreamFullError extends BusError {
  constructor(
    readonly stream: string,
    readonly maxStreamEntries: number | undefined,
    options?: ErrorOptions,
  ) {
    super('STREAM_FULL', `stream '${stream}' is full` + (maxStreamEntries === undefined ? '' : ` (${maxStreamEntries} entries)`), options);
  }
}

/** An unexpected failure of the underlying transport (NATS). See `cause`. */
export class BusTransportError extends BusError {
  constructor(message: string, options?: ErrorOptions) {
    super('TRANSPORT', message, options);
  }
}
