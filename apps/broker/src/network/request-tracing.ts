import { apiDefinition, type DecodedRequest } from '@strom/protocol';
import { inSpan, KAFKA, MessagingAttribute, SpanKind } from '@strom/telemetry';
import type { ClientContext } from './request-handler.js';

/**
 * Handles a request in a server span named after its API (Produce, Fetch, JoinGroup …), ended
 * when its response is ready: the parent of the spans its handling makes (appends, reads, bus
 * requests to the coordinator). Only called while tracing is on.
 */
export function handleTraced<R>(request: DecodedRequest, client: ClientContext, handle: () => R): R {
  const name = apiDefinition(request.apiKey)?.name ?? `ApiKey ${request.apiKey}`;
  return inSpan(
    name,
    SpanKind.SERVER,
    {
      [MessagingAttribute.system]: KAFKA,
      [MessagingAttribute.operationName]: name,
      [MessagingAttribute.clientId]: request.header.clientId ?? '',
      'kafka.request.api_version': request.apiVersion,
      'kafka.request.correlation_id': request.header.correlationId,
      'network.peer.address': client.clientHost ?? client.remoteAddress,
      'enduser.id': client.principal,
    },
    handle,
  );
}
