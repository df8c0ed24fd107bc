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
import type { ConnectionLimits } from './limits.js';
import { CloseConnectionError, type ClientContext, type RequestHandler, type ResponseBody } from './request-handler.js';

interface PendingResponse {
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly receivedAtMs: number;
  done: boolean;
  body: ResponseBody;
}

/**
 * One client connection: frames in, requests dispatched in arrival order, responses out in
 * the same order (Kafka's per-connection ordering) while later requests may already be in
 * progress. Bounded: frame size before buffering, requests in flight, queued response bytes;
 * idle and stuck connections are closed. Malformed input closes only this connection.
 */
export class KafkaConnection {
  private readonly reader: FrameReader;
  private readonly pending: PendingResponse[] = [];
  private readonly client: ClientContext;
  private readingPaused = false;
  private closed = false;
  private lastActivityMs = Date.now();

  constructor(
    private readonly socket: Socket,
    connectionId: number,
    private readonly handler: RequestHandler,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    private readonly supportedApiVersions: () => ResponseBodies[typeof ApiKey.ApiVersions],
  ) {
    this.reader = new FrameReader({ maxFrameBytes: limits.maxFrameBytes });
    this.client = { connectionId, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`, principal: 'User:ANONYMOUS' };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResumeReading());
    socket.on('error', (error) => this.logger.debug({ err: error, client: this.client.remoteAddress }, 'connection error'));
    socket.on('close', () => (this.closed = true));
  }

  get isClosed(): boolean {
    return this.closed;
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

  private onData(chunk: Buffer): void {
    this.lastActivityMs = Date.now();
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.rejectInput(error);
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.accept(frame);
    }
  }

  private accept(frame: Buffer): void {
    let request: DecodedRequest;
    try {
      request = decodeRequest(frame);
    } catch (error) {
      this.rejectInput(error);
      return;
    }
    const slot: PendingResponse = {
      apiKey: request.apiKey,
      apiVersion: request.apiVersion,
      correlationId: request.header.correlationId,
      receivedAtMs: Date.now(),
      done: false,
      body: undefined,
    };
    this.pending.push(slot);
    if (this.pending.length >= this.limits.maxInFlightRequests) this.pauseReading();
    let result: Promise<ResponseBody> | ResponseBody;
    try {
      result = this.handler.handle(request, this.client);
    } catch (error) {
      this.handlerFailed(request, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (body) => this.complete(slot, body),
        (error: unknown) => this.handlerFailed(request, error),
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
      this.pending.push({ apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId, receivedAtMs: Date.now(), done: true, body });
      this.flush();
      return;
    }
    if (error instanceof UnknownApiKeyError || error instanceof ProtocolError) {
      this.logger.info({ client: this.client.remoteAddress, error: error.message }, 'closing connection after bad request');
      this.close(error.message);
      return;
    }
    throw error;
  }

  private handlerFailed(request: DecodedRequest, error: unknown): void {
    if (error instanceof CloseConnectionError) {
      this.logger.info({ client: this.client.remoteAddress, reason: error.message }, 'closing connection');
      this.close(error.message);
      return;
    }
    this.logger.error({ err: error, api: apiName(request.apiKey), apiVersion: request.apiVersion }, 'request handler failed');
    this.close('handler failed');
  }

  private complete(slot: PendingResponse, body: ResponseBody): void {
    slot.done = true;
    slot.body = body;
    this.flush();
  }

  /** Writes every finished response at the head of the queue, in request order. */
  private flush(): void {
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const slot = this.pending.shift()!;
      if (this.closed || slot.body === undefined) continue;
      let chunks: Buffer[];
      try {
        chunks = encodeResponseFrameChunks(slot.apiKey, slot.apiVersion, { correlationId: slot.correlationId }, slot.body as never);
      } catch (error) {
        this.logger.error({ err: error, api: apiName(slot.apiKey), apiVersion: slot.apiVersion }, 'could not encode a response');
        this.close('response encoding failed');
        return;
      }
      this.socket.cork();
      for (const chunk of chunks) this.socket.write(chunk);
      this.socket.uncork();
    }
    this.maybeResumeReading();
    if (this.socket.writableLength > this.limits.maxQueuedResponseBytes) this.pauseReading();
  }

  private pauseReading(): void {
    if (this.readingPaused) return;
    this.readingPaused = true;
    this.socket.pause();
  }

  private maybeResumeReading(): void {
    if (!this.readingPaused || this.closed) return;
    if (this.pending.length < this.limits.maxInFlightRequests && this.socket.writableLength <= this.limits.maxQueuedResponseBytes) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }
}

function apiName(apiKey: number): string {
  return apiDefinition(apiKey)?.name ?? `api ${apiKey}`;
}
