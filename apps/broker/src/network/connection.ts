import type { Socket } from 'node:net';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  apiDefinition,
  decodeRequest,
  encodeResponseFrameChunks,
  FrameReader,
  ProtocolError,
  UnknownApiKeyError,
  UnsupportedVersionError,
  type DecodedRequest,
  type ResponseBodies,
} from '@strom/protocol';
import type { Logger } from '@strom/runtime';
import { tracingEnabled } from '@strom/telemetry';
import type { SslServer } from '../security/ssl/ssl-server.js';
import type { SaslAdmission, SaslSession } from '../security/sasl-session.js';
import type { ConnectionLog } from './connection-log.js';
import type { ConnectionLimits } from './limits.js';
import type { ReadTurns } from './read-turns.js';
import type { RequestMemoryPool } from './request-memory-pool.js';
import type { RequestStats } from './request-stats.js';
import { handleTraced } from './request-tracing.js';
import {
  CloseConnectionError,
  type ClientContext,
  type RequestHandler,
  type ResponseBody,
  type SecurityProtocol,
  takeReleaseAfterWrite,
  usesSasl,
} from './request-handler.js';

interface PendingResponse {
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly receivedAtMs: number;
  /** performance.now() when the request was read, and when its response was ready (request times). */
  readonly readAt: number;
  readyAt?: number;
  done: boolean;
  body: ResponseBody;
  /** Close the connection once this response is written. */
  closeAfter?: string;
  /** Called once the response is written (or dropped). */
  onWritten?: () => void;
  /** What the request's frame holds in the broker's request memory pool. */
  reservedBytes: number;
}

/** The listener's security settings, as each of its connections applies them. */
export interface ConnectionSecurity {
  readonly protocol: SecurityProtocol;
  /** SASL_PLAINTEXT and SASL_SSL: the SASL state of a new connection. */
  readonly createSaslSession?: () => SaslSession;
  /** SSL and SASL_SSL: the listener's TLS (the listener completes the handshake before a connection is made). */
  readonly ssl?: SslServer;
  /** SASL_PLAINTEXT and SASL_SSL: the largest frame before authentication (the listener's `sasl.server.max.receive.size`). */
  readonly maxPreAuthFrameBytes?: number;
}

/**
 * One client connection: frames in, requests dispatched in arrival order, responses out in
 * the same order (Kafka's per-connection ordering) while later requests may already be in
 * progress. Bounded: frame size before buffering, requests in flight, queued response bytes;
 * idle and stuck connections are closed. Malformed input closes only this connection.
 */
export class KafkaConnection {
  private reader: FrameReader;
  private readonly pending: PendingResponse[] = [];
  private readonly client: ClientContext;
  private readingPaused = false;
  private closed = false;
  private lastActivityMs = Date.now();
  /** The SASL session on a SASL listener. */
  private readonly sasl: SaslSession | undefined;
  /**
   * Before SASL authentication completes: frames are taken one at a time (the next once the
   * previous is answered, as Kafka's authenticator reads them), under the smaller frame limit.
   */
  private gated: boolean;
  /** Frames received while gated (or behind gated ones), in order. */
  private readonly held: Buffer[] = [];
  private gatedBusy = false;
  /** The order of dispatches whose SASL admission is still being decided. */
  private admissionTail: Promise<void> | undefined;
  /** The memory pool's reservation for the frame being collected. */
  private collectingReservedBytes = 0;
  /** Reservations of frames read and not yet answered, by frame. */
  private readonly frameReservations = new Map<Buffer, number>();
  /** Set while reading waits for the memory pool; calling it stops waiting. */
  private stopWaitingForMemory: (() => void) | undefined;
  /** Reading paused until the loop's next turn: this turn's read budget is spent (see ReadTurns). */
  private turnPaused = false;

  constructor(
    private readonly socket: Socket,
    connectionId: number,
    private readonly handler: RequestHandler,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly connectionLog: ConnectionLog,
    private readonly supportedApiVersions: () => ResponseBodies[typeof ApiKey.ApiVersions],
    private readonly memory: RequestMemoryPool,
    private readonly readTurns: ReadTurns,
    private readonly stats: RequestStats | undefined,
    /** The name of the listener the connection came in on. */
    listenerName: string,
    security: ConnectionSecurity = { protocol: 'PLAINTEXT' },
    /** The principal before any SASL exchange: the client certificate's on SSL. */
    principal = 'User:ANONYMOUS',
  ) {
    this.sasl = usesSasl(security.protocol) ? security.createSaslSession?.() : undefined;
    if (usesSasl(security.protocol) && !this.sasl) throw new Error(`A ${security.protocol} listener needs createSaslSession`);
    this.gated = this.sasl !== undefined;
    if (this.gated && security.maxPreAuthFrameBytes === undefined)
      throw new Error(`A ${security.protocol} listener needs maxPreAuthFrameBytes`);
    this.reader = new FrameReader({
      maxFrameBytes: this.gated ? Math.min(limits.maxFrameBytes, security.maxPreAuthFrameBytes!) : limits.maxFrameBytes,
    });
    this.client = {
      connectionId,
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      clientHost: socket.remoteAddress ?? '',
      listenerName,
      securityProtocol: security.protocol,
      principal,
      ...(this.sasl ? { sasl: this.sasl } : {}),
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResumeReading());
    socket.on('error', (error) => this.logger.debug({ err: error, client: this.client.remoteAddress }, 'connection error'));
    socket.on('close', () => {
      this.closed = true;
      this.releaseAllMemory();
    });
  }

  /** When the connection last read bytes (the order in which Kafka closes connections past max.connections). */
  get lastActiveAtMs(): number {
    return this.lastActivityMs;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes of the request frame being read, not yet complete. */
  get bufferedRequestBytes(): number {
    return this.reader.bufferedBytes;
  }

  /** Requests read and not yet answered (held ones included), and answers waiting behind them for their turn on the socket. */
  queueDepth(): { requests: number; responses: number } {
    let responses = 0;
    for (const slot of this.pending) if (slot.done) responses++;
    return { requests: this.pending.length - responses + this.held.length, responses };
  }

  /** Called periodically by the listener: closes idle connections and ones with a stuck request. */
  checkTimeouts(nowMs: number): void {
    const oldest = this.pending[0];
    if (oldest && nowMs - oldest.receivedAtMs > this.limits.requestTimeoutMs) {
      this.close(
        `request ${apiName(oldest.apiKey)} (correlation id ${oldest.correlationId}) unanswered after ${this.limits.requestTimeoutMs} ms`,
      );
    } else if (!oldest && nowMs - this.lastActivityMs > this.limits.idleTimeoutMs) {
      this.close('idle');
    }
  }

  /** Stops reading; answers what is in flight, then ends the socket (graceful shutdown). */
  async drain(timeoutMs: number): Promise<void> {
    this.pauseReading();
    const deadline = Date.now() + timeoutMs;
    while (this.pending.length > 0 && !this.closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    this.socket.end();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.debug({ client: this.client.remoteAddress, reason }, 'closing connection');
    this.socket.destroy();
  }

  /** An info line about this connection, limited per kind and client host (see {@link ConnectionLog}). */
  private logClose(kind: string, fields: Record<string, unknown>): void {
    this.connectionLog.info(
      kind,
      this.client.clientHost ?? this.client.remoteAddress,
      { client: this.client.remoteAddress, ...fields },
      kind,
    );
  }

  private onData(chunk: Buffer): void {
    this.lastActivityMs = Date.now();
    this.countTurnBytes(chunk.length);
    const wasCollecting = this.reader.collectingFrameBytes > 0;
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.rejectInput(error);
      return;
    }
    if (wasCollecting && frames.length > 0 && this.collectingReservedBytes > 0) {
      // The first frame out is the one that was being collected.
      this.frameReservations.set(frames[0]!, this.collectingReservedBytes);
      this.collectingReservedBytes = 0;
    }
    const collecting = this.reader.collectingFrameBytes;
    if (collecting > 0 && this.collectingReservedBytes === 0 && !this.reserveForFrame(collecting)) this.waitForMemory(collecting);
    for (const frame of frames) {
      if (this.closed) return;
      if (this.gated || this.held.length > 0) {
        this.held.push(frame);
        if (this.held.length >= this.limits.maxInFlightRequests) this.pauseReading();
      } else {
        this.accept(frame);
      }
    }
    this.pump();
  }

  /** Takes held frames: one at a time while gated, then (authenticated) as usual. */
  private pump(): void {
    while (!this.closed && !this.gatedBusy && this.held.length > 0) {
      const frame = this.held.shift()!;
      if (this.gated) {
        this.gatedBusy = true;
        void this.acceptGated(frame).then(() => {
          this.gatedBusy = false;
          if (this.gated && this.sasl!.authenticated) this.ungate();
          this.pump();
          this.maybeResumeReading();
        });
        return;
      }
      this.accept(frame);
    }
  }

  /** A frame before authentication: a raw SASL token after SaslHandshake v0, else a request. Resolves once answered. */
  private async acceptGated(frame: Buffer): Promise<void> {
    const sasl = this.sasl!;
    if (sasl.state === 'authenticate-raw') {
      const outcome = await sasl.authenticateRaw(frame);
      if (this.closed) return;
      if (outcome.token) {
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(outcome.token.length, 0);
        this.socket.cork();
        this.socket.write(prefix);
        this.socket.write(outcome.token);
        this.socket.uncork();
      }
      if (outcome.close !== undefined) {
        this.logClose('SASL authentication failed', { reason: outcome.close });
        this.endAfterWrites(outcome.close);
      } else if (outcome.principal !== undefined) {
        this.client.principal = outcome.principal;
      }
      return;
    }
    await new Promise<void>((resolve) => this.accept(frame, resolve));
  }

  /** Authenticated: the usual frame limit, pipelining. */
  private ungate(): void {
    this.gated = false;
    if (this.reader.idle) this.reader = new FrameReader({ maxFrameBytes: this.limits.maxFrameBytes });
    // Otherwise the client sent bytes before it could know it was authenticated: they stay under the small limit.
  }

  /**
   * Decodes and dispatches one request. `onWritten` is called once its response is written (at
   * once for input answered or refused without a handler; never if the connection is closed).
   */
  private accept(frame: Buffer, onWritten?: () => void): void {
    const reservedBytes = this.frameReservations.get(frame) ?? 0;
    this.frameReservations.delete(frame);
    let request: DecodedRequest;
    try {
      request = decodeRequest(frame);
    } catch (error) {
      this.memory.release(reservedBytes);
      this.rejectInput(error);
      onWritten?.();
      return;
    }
    const slot: PendingResponse = {
      reservedBytes,
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      correlationId: request.header.correlationId,
      receivedAtMs: Date.now(),
      readAt: performance.now(),
      done: false,
      body: undefined,
      ...(onWritten ? { onWritten } : {}),
    };
    this.pending.push(slot);
    if (this.pending.length >= this.limits.maxInFlightRequests) this.pauseReading();
    if (!this.sasl) {
      this.dispatch(request, slot);
      return;
    }
    // SASL: every request is admitted first, in arrival order.
    const waitFor = this.admissionTail;
    const admission = waitFor ? waitFor.then(() => this.sasl!.admit(request.apiKey)) : this.sasl.admit(request.apiKey);
    if (!(admission instanceof Promise)) {
      this.admitted(request, slot, admission);
      return;
    }
    const tail = admission.then(
      (decided) => this.admitted(request, slot, decided),
      (error: unknown) => this.handlerFailed(request, error),
    );
    this.admissionTail = tail;
    void tail.then(() => {
      if (this.admissionTail === tail) this.admissionTail = undefined;
    });
  }

  private admitted(request: DecodedRequest, slot: PendingResponse, admission: SaslAdmission): void {
    if (this.closed) return;
    if (admission.action === 'process') {
      this.dispatch(request, slot);
      return;
    }
    if (admission.action === 'close') {
      this.logClose('closing connection (SASL)', { reason: admission.reason });
      this.close(admission.reason);
      return;
    }
    // reject: this API's error response with the code, then close (Kafka's getErrorResponse).
    const body = errorResponseBody(request.apiKey, admission.errorCode, admission.errorMessage);
    if (body === undefined) {
      this.close(admission.errorMessage);
      return;
    }
    slot.closeAfter = admission.errorMessage;
    this.complete(slot, body);
  }

  private dispatch(request: DecodedRequest, slot: PendingResponse): void {
    let result: Promise<ResponseBody> | ResponseBody;
    try {
      result = tracingEnabled()
        ? handleTraced(request, this.client, () => this.handler.handle(request, this.client))
        : this.handler.handle(request, this.client);
    } catch (error) {
      this.handlerFailed(request, error, slot);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (body) => this.complete(slot, body),
        (error: unknown) => this.handlerFailed(request, error, slot),
      );
    } else {
      this.complete(slot, result);
    }
  }

  /**
   * Kafka's answers to bad input: an ApiVersions request of a version it does not support gets
   * an ApiVersions v0 response with UNSUPPORTED_VERSION and the supported ranges (so the client
   * can pick a version); anything else malformed, unknown or unsupported closes the connection.
   */
  private rejectInput(error: unknown): void {
    if (error instanceof UnsupportedVersionError && error.header?.apiKey === ApiKey.ApiVersions) {
      const { correlationId } = error.header;
      const body = { ...this.supportedApiVersions(), errorCode: ErrorCode.UNSUPPORTED_VERSION };
      this.pending.push({
        apiKey: ApiKey.ApiVersions,
        apiVersion: 0,
        correlationId,
        receivedAtMs: Date.now(),
        readAt: performance.now(),
        done: true,
        body,
        reservedBytes: 0,
      });
      this.flush();
      return;
    }
    if (error instanceof UnknownApiKeyError || error instanceof ProtocolError) {
      this.logClose('closing connection after bad request', { error: error.message });
      this.close(error.message);
      return;
    }
    throw error;
  }

  private handlerFailed(request: DecodedRequest, error: unknown, slot?: PendingResponse): void {
    if (error instanceof CloseConnectionError) {
      this.logClose('closing connection', { reason: error.message });
      if (slot && error.response !== undefined) {
        slot.closeAfter = error.message;
        this.complete(slot, error.response);
        return;
      }
      this.close(error.message);
      return;
    }
    this.logger.error({ err: error, api: apiName(request.apiKey), apiVersion: request.apiVersion }, 'request handler failed');
    this.close('handler failed');
  }

  private complete(slot: PendingResponse, body: ResponseBody): void {
    slot.readyAt = performance.now();
    slot.done = true;
    slot.body = body;
    this.flush();
  }

  /** Writes every finished response at the head of the queue, in request order. */
  private flush(): void {
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const slot = this.pending.shift()!;
      this.memory.release(slot.reservedBytes);
      slot.reservedBytes = 0;
      slot.onWritten?.();
      if (this.closed || slot.body === undefined) {
        if (slot.closeAfter !== undefined) this.endAfterWrites(slot.closeAfter);
        continue;
      }
      let chunks: Buffer[];
      try {
        chunks = encodeResponseFrameChunks(slot.apiKey, slot.apiVersion, { correlationId: slot.correlationId }, slot.body as never);
      } catch (error) {
        this.logger.error({ err: error, api: apiName(slot.apiKey), apiVersion: slot.apiVersion }, 'could not encode a response');
        this.close('response encoding failed');
        return;
      }
      const release = takeReleaseAfterWrite(slot.body);
      const written = this.stats ? this.timing(slot, this.stats) : undefined;
      this.socket.cork();
      for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i]!);
      // The callback of the last write runs once every chunk before it is written too (or failed).
      if (release || written)
        this.socket.write(chunks[chunks.length - 1]!, () => {
          release?.();
          written?.();
        });
      else this.socket.write(chunks[chunks.length - 1]!);
      this.socket.uncork();
      if (slot.closeAfter !== undefined) {
        this.endAfterWrites(slot.closeAfter);
        return;
      }
    }
    this.maybeResumeReading();
    if (this.socket.writableLength > this.limits.maxQueuedResponseBytes) this.pauseReading();
  }

  /** What records the request's times once its response is written. */
  private timing(slot: PendingResponse, stats: RequestStats): () => void {
    const readyAt = slot.readyAt ?? performance.now();
    return () => stats.record(slot.apiKey, readyAt - slot.readAt, performance.now() - readyAt);
  }

  /** Closes once what is queued is written: nothing more is read or answered. */
  private endAfterWrites(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.debug({ client: this.client.remoteAddress, reason }, 'closing connection after the response');
    this.releaseAllMemory();
    this.held.length = 0;
    this.pending.length = 0;
    this.socket.pause();
    this.socket.end(() => this.socket.destroy());
  }

  /** Counts a chunk against the turn's read budget; pauses reading until the next turn once it is spent. */
  private countTurnBytes(bytes: number): void {
    if (this.turnPaused || !this.readTurns.spend(bytes, this.endTurn)) return;
    this.turnPaused = true;
    this.pauseReading();
  }

  private readonly endTurn = (): void => {
    this.turnPaused = false;
    this.maybeResumeReading();
  };

  private pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.socket.pause();
  }

  private maybeResumeReading(): void {
    if (!this.readingPaused || this.closed || this.turnPaused || this.stopWaitingForMemory !== undefined) return;
    if (
      this.pending.length < this.limits.maxInFlightRequests &&
      this.held.length < this.limits.maxInFlightRequests &&
      this.socket.writableLength <= this.limits.maxQueuedResponseBytes
    ) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }

  private reserveForFrame(sizeBytes: number): boolean {
    if (!this.memory.tryReserve(sizeBytes)) return false;
    this.collectingReservedBytes = sizeBytes;
    return true;
  }

  /** Stops reading until the pool has memory for the frame being collected. */
  private waitForMemory(sizeBytes: number): void {
    this.pauseReading();
    this.stopWaitingForMemory = this.memory.waitForMemory(() => {
      if (this.closed) return true;
      if (!this.reserveForFrame(sizeBytes)) return false;
      this.stopWaitingForMemory = undefined;
      this.maybeResumeReading();
      return true;
    });
  }

  /** The connection is closing: every reservation it holds goes back to the pool. */
  private releaseAllMemory(): void {
    this.stopWaitingForMemory?.();
    this.stopWaitingForMemory = undefined;
    let bytes = this.collectingReservedBytes;
    this.collectingReservedBytes = 0;
    for (const reserved of this.frameReservations.values()) bytes += reserved;
    this.frameReservations.clear();
    for (const slot of this.pending) {
      bytes += slot.reservedBytes;
      slot.reservedBytes = 0;
    }
    this.memory.release(bytes);
  }
}

function apiName(apiKey: number): string {
  return apiDefinition(apiKey)?.name ?? `api ${apiKey}`;
}

/**
 * The response of `apiKey` with a top-level error (Kafka's `AbstractRequest.getErrorResponse`
 * for the APIs that have a top-level error code), or `undefined` for an API without one.
 */
function errorResponseBody(apiKey: ApiKey, errorCode: ErrorCode, errorMessage: string): ResponseBody {
  const body = apiDefinition(apiKey)?.response.create() as Record<string, unknown> | undefined;
  if (body === undefined || !('errorCode' in body)) return undefined;
  body['errorCode'] = errorCode;
  if ('errorMessage' in body) body['errorMessage'] = errorMessage;
  return body as unknown as ResponseBody;
}
