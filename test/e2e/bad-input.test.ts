import { ErrorCode } from '@strom/errors';
import { ApiKey, decodeResponse, encodeRequestFrame } from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { frame, RawClient, rawRequest } from './raw-client.js';

/** An ApiVersions v3 request frame. */
function apiVersions(correlationId: number): Buffer {
  return encodeRequestFrame(
    { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId, clientId: 'raw' },
    { clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' },
  );
}

describe('bad input on the Kafka listener', () => {
  let strom: EmbeddedStrom;
  let bystander: RawClient;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    bystander = await RawClient.connect(strom.port);
  });
  afterAll(async () => {
    bystander?.end();
    await strom?.stop();
  });

  /** After each bad client, an innocent connection opened before it still gets answers. */
  async function bystanderStillServed(correlationId: number): Promise<void> {
    bystander.send(apiVersions(correlationId));
    const response = decodeResponse(ApiKey.ApiVersions, 3, await bystander.nextFrame());
    expect(response.header.correlationId).toBe(correlationId);
    expect(response.body.errorCode).toBe(0);
  }

  it('answers ApiVersions of an unsupported version with a v0 response: UNSUPPORTED_VERSION and the ranges', async () => {
    const client = await RawClient.connect(strom.port);
    // A newer client's ApiVersions: header v2 (tagged fields after the client id), a body we cannot know.
    const header = rawRequest(ApiKey.ApiVersions, 127, 42).subarray(4);
    client.send(frame(Buffer.concat([header, Buffer.from([0x00]), Buffer.from('future body')])));
    const response = decodeResponse(ApiKey.ApiVersions, 0, await client.nextFrame());
    expect(response.header.correlationId).toBe(42);
    expect(response.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(response.body.apiKeys).toContainEqual(expect.objectContaining({ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }));
    client.send(apiVersions(43));
    expect(decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).header.correlationId).toBe(43);
    client.end();
    await bystanderStillServed(1);
  });

  it.each([
    ['an unknown API key', rawRequest(9999, 0, 1)],
    ['an unsupported version of Metadata', rawRequest(ApiKey.Metadata, 99, 1)],
    ['an API that is not enabled (LeaderAndIsr)', rawRequest(ApiKey.LeaderAndIsr, 7, 1)],
    ['garbage after a valid size', frame(Buffer.from('this is not a kafka request at all'))],
    ['a negative frame size', Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3])],
    ['a frame larger than socket.request.max.bytes (refused before buffering)', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0])],
    ['a Metadata request truncated inside its body', rawRequest(ApiKey.Metadata, 12, 1, Buffer.from([0x05]))],
  ])('closes the connection on %s, and keeps serving everyone else', async (_what, bytes) => {
    const client = await RawClient.connect(strom.port);
    client.send(bytes);
    expect(await client.closedWithin(5000)).toBe(true);
    await bystanderStillServed(2);
  });

  it('survives a client that disconnects in the middle of a request', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(apiVersions(5).subarray(0, 9));
    client.end();
    await bystanderStillServed(3);
  });

  it('answers pipelined requests in order', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(Buffer.concat(Array.from({ length: 20 }, (_, i) => apiVersions(100 + i))));
    for (let i = 0; i < 20; i++) expect(decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).header.correlationId).toBe(100 + i);
    client.end();
  });

  it('rejects ApiVersions v3 with an invalid client software name with INVALID_REQUEST', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(
      encodeRequestFrame(
        { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 9, clientId: 'raw' },
        { clientSoftwareName: 'bad name', clientSoftwareVersion: '1' },
      ),
    );
    expect(decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).body.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    client.end();
  });
});
