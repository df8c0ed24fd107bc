import { labels, type ExpositionWriter } from '@strom/runtime';

/** Kafka's GroupMetadataManager gauges by state: NumGroupsStable, NumGroupsPreparingRebalance, … */
const STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty'] as const;

/**
 * The group coordinator's metrics: group counts as Kafka's JMX exporter names
 * GroupMetadataManager's under Strimzi's rules, and members per group as kafka-exporter does.
 */
export function writeGroupMetrics(out: ExpositionWriter, groups: readonly { groupId: string; state: string; members: number }[]): void {
  const gauge = (name: string, help: string, value: number) =>
    out
      .family(`kafka_coordinator_group_groupmetadatamanager_${name}`, 'gauge', help)
      .sample(`kafka_coordinator_group_groupmetadatamanager_${name}`, '', value);
  gauge('numgroups', 'Groups the coordinator holds (NumGroups).', groups.length);
  for (const state of STATES) {
    gauge(
      `numgroups${state.toLowerCase()}`,
      `Groups in state ${state} (NumGroups${state}).`,
      groups.filter((group) => group.state === state).length,
    );
  }
  out.family('kafka_consumergroup_members', 'gauge', 'Members of a group (kafka-exporter).');
  for (const group of groups) out.sample('kafka_consumergroup_members', labels({ consumergroup: group.groupId }), group.members);
}
