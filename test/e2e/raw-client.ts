import { connect, type Socket } from 'node:net';
import { errorName } from '@strom/errors';
import {
  ApiKey,
  createIncrementalAlterConfigsRequest,
  decodeResponse,
  encodeRequestFrame,
  FrameReader,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';

/** A bare TCP client for wire-level tests: send bytes, read whole response frames. */
export class RawClient {
  private readonly reader = new FrameReader({ maxFrameBytes: 64 * 1024 * 1024 });
  private readonly frames: Buffer[] = [];
  private waiting?: () => void;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.reader.push(chunk));
      this.waiting?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame (without its size prefix), or rejects after `timeoutMs`. */
  async nextFrame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no response frame in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.frames.shift()!;
  }

  /** Resolves true when the server closes the connection within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs))]);
  }

  end(): void {
    this.socket.destroy();
  }
}

/** A frame: 4-byte size prefix then `body`. */
export function frame(body: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}

/** A request header v1 (api key, version, correlation id, client id) followed by `body`. */
export function rawRequest(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Buffer = Buffer.alloc(0),
  clientId = 'raw',
): Buffer {
  const header = Buffer.alloc(10 + clientId.length);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  header.write(clientId, 10, 'utf8');
  return frame(Buffer.concat([header, body]));
}

/** Sends one request, encoded by the codec, on its own connection and decodes its response. */
export type OneRequest = <K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]) => Promise<ResponseBodies[K]>;

/** A {@link OneRequest} to `port`, with its own correlation ids. */
export function oneRequestClient(port: number, clientId: string): OneRequest {
  let correlationId = 0;
  return async (apiKey, apiVersion, body) => {
    const client = await RawClient.connect(port);
    try {
      client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: ++correlationId, clientId }, body));
      return decodeResponse(apiKey, apiVersion, await client.nextFrame()).body as ResponseBodies[typeof apiKey];
    } finally {
      client.end();
    }
  };
}

/** IncrementalAlterConfigs v1 of one resource: the name of its error code and its message. */
export async function incrementalAlterConfigs(
  request: OneRequest,
  resource: { resourceType: number; resourceName: string },
  configs: { name: string; configOperation: number; value?: string }[],
  validateOnly = false,
): Promise<{ id: string; message: string | null }> {
  const response = await request(
    ApiKey.IncrementalAlterConfigs,
    1,
    createIncrementalAlterConfigsRequest({
      validateOnly,
      resources: [{ ...resource, configs: configs.map((config) => ({ value: null, ...config })) }],
    }),
  );
  const result = response.responses[0]!;
  return { id: errorName(result.errorCode), message: result.errorMessage };
}
