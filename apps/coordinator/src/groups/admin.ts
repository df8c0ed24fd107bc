/**
 * The administrative group APIs (Kafka's `listGroups`, `describeGroups`, `deleteGroups` of the
 * group and offset managers): reads of the groups in memory, and deletion as a group tombstone.
 */
import { ErrorCode } from '@strom/errors';
import {
  createDescribeGroupsResponseDescribedGroup,
  createDescribeGroupsResponseDescribedGroupMember,
  EMPTY_BYTES,
  type DescribeGroupsResponseDescribedGroup,
} from '@strom/protocol';
import type { ClassicGroup } from './classic-group.js';
import { answer, ResultBuilder, type CoordinatorResult } from './result.js';

/** The group type ListGroups v5 reports for these groups (KIP-848 calls them classic groups). */
export const CLASSIC_GROUP_TYPE = 'classic';

/** AclOperation codes READ (3), DELETE (6) and DESCRIBE (8) as a bitfield: what a group supports. */
export const GROUP_AUTHORIZED_OPERATIONS_ALL = (1 << 3) | (1 << 6) | (1 << 8);

/** DescribeGroups' authorizedOperations when not requested (Integer.MIN_VALUE). */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
}

/** The live groups matching the filters (empty filters match all; both case-insensitive), by group id. */
export function listGroups(groups: Iterable<ClassicGroup>, statesFilter: readonly string[], typesFilter: readonly string[]): ListedGroup[] {
  const states = new Set(statesFilter.map((s) => s.toLowerCase()));
  const types = new Set(typesFilter.map((s) => s.toLowerCase()));
  return [...groups]
    .filter((g) => !g.is('Dead'))
    .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
    .filter(() => types.size === 0 || types.has(CLASSIC_GROUP_TYPE))
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
    .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
}

/** A group as DescribeGroups shows it: metadata and assignments only once Stable; an unknown group is Dead. */
export function describeGroup(
  groupId: string,
  group: ClassicGroup | undefined,
  authorizedOperations: number,
): DescribeGroupsResponseDescribedGroup {
  if (group === undefined || group.is('Dead')) {
    return createDescribeGroupsResponseDescribedGroup({ groupId, groupState: 'Dead', authorizedOperations });
  }
  const stable = group.is('Stable');
  return createDescribeGroupsResponseDescribedGroup({
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) =>
      createDescribeGroupsResponseDescribedGroupMember({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadata(group.protocolName) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      }),
    ),
    authorizedOperations,
  });
}

/** Handles one group of a DeleteGroups: only an Empty group goes, with its offsets. */
export function deleteGroup(group: ClassicGroup | undefined): CoordinatorResult<ErrorCode> {
  if (group === undefined || group.is('Dead')) return answer(ErrorCode.GROUP_ID_NOT_FOUND);
  if (!group.is('Empty')) return answer(ErrorCode.NON_EMPTY_GROUP);
  const b = new ResultBuilder<ErrorCode>();
  b.append({ kind: 'GroupTombstone', groupId: group.groupId });
  b.respond(ErrorCode.NONE);
  b.afterAppend(undefined, () => answer(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  return b.build();
}
