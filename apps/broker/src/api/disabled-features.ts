import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createConsumerGroupDescribeResponse,
  createConsumerGroupHeartbeatResponse,
  createShareAcknowledgeResponse,
  createShareFetchResponse,
  createShareGroupDescribeResponse,
  createShareGroupHeartbeatResponse,
  type RequestBodies,
} from '@strom/protocol';

/**
 * KIP-848 consumer groups and share groups are not enabled yet. Kafka with a protocol disabled
 * does not announce its APIs in ApiVersions and answers a client that sends them anyway with
 * UNSUPPORTED_VERSION in the response (KafkaApis' handling when the protocol is off); these
 * handlers do the same, and the router registers them without announcing them.
 */
const message = 'The new consumer group protocol and share groups are not enabled on this broker.';
const code = ErrorCode.UNSUPPORTED_VERSION;

/** One described group of a disabled group type: the error, and the fields' empty values. */
const refusedGroup = (groupId: string) => ({
  groupId,
  errorCode: code,
  errorMessage: message,
  groupState: '',
  groupEpoch: -1,
  assignmentEpoch: -1,
  assignorName: '',
  members: [],
  authorizedOperations: -2147483648,
});

export const DISABLED_FEATURE_HANDLERS = {
  [ApiKey.ConsumerGroupHeartbeat]: () => createConsumerGroupHeartbeatResponse({ errorCode: code, errorMessage: message }),
  [ApiKey.ConsumerGroupDescribe]: (body: RequestBodies[typeof ApiKey.ConsumerGroupDescribe]) =>
    createConsumerGroupDescribeResponse({
      groups: body.groupIds.map(refusedGroup),
    }),
  [ApiKey.ShareGroupHeartbeat]: () => createShareGroupHeartbeatResponse({ errorCode: code, errorMessage: message }),
  [ApiKey.ShareGroupDescribe]: (body: RequestBodies[typeof ApiKey.ShareGroupDescribe]) =>
    createShareGroupDescribeResponse({
      groups: body.groupIds.map(refusedGroup),
    }),
  [ApiKey.ShareFetch]: () => createShareFetchResponse({ errorCode: code, errorMessage: message }),
  [ApiKey.ShareAcknowledge]: () => createShareAcknowledgeResponse({ errorCode: code, errorMessage: message }),
} as const;
