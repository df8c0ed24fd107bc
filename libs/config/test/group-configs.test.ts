import { describe, expect, it } from 'vitest';
import { ConfigSource, ConfigTypeCode, describeGroupConfigs, groupConfigProblem } from '../src/index.js';

// Kafka's GroupConfig.validate: the group's configs after the change, unset ones at GroupConfig's
// defaults, bounded by the broker's group coordinator configs (GroupCoordinatorConfig).
describe('groupConfigProblem (GroupConfig.validate)', () => {
  it('accepts consumer.session.timeout.ms=50000 within the default bounds [45000, 60000]', () => {
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '50000' }, {})).toBeUndefined();
  });

  it('names the broker bound a value falls outside, at the exact boundary', () => {
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '45000' }, {})).toBeUndefined();
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '44999' }, {})).toBe(
      'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms',
    );
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '60001' }, {})).toBe(
      'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms',
    );
  });

  it("takes the bounds from the broker's config", () => {
    const broker = { 'group.consumer.min.session.timeout.ms': '6000', 'group.consumer.min.heartbeat.interval.ms': '1000' };
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '6000', 'consumer.heartbeat.interval.ms': '2000' }, broker)).toBeUndefined();
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '6000', 'consumer.heartbeat.interval.ms': '2000' }, {})).toBe(
      'consumer.heartbeat.interval.ms must be greater than or equal to group.consumer.min.heartbeat.interval.ms',
    );
  });

  it('wants the session timeout above the heartbeat interval', () => {
    const broker = { 'group.consumer.min.session.timeout.ms': '1000', 'group.consumer.max.heartbeat.interval.ms': '60000' };
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': '10000', 'consumer.heartbeat.interval.ms': '10000' }, broker)).toBe(
      'consumer.session.timeout.ms must be greater than consumer.heartbeat.interval.ms',
    );
  });

  it('refuses unknown names and values of the wrong type or outside the ConfigDef validator', () => {
    expect(groupConfigProblem({ 'session.timeout.ms': '50000' }, {})).toBe('Unknown group config name: session.timeout.ms');
    expect(groupConfigProblem({ 'consumer.session.timeout.ms': 'soon' }, {})).toMatch(/consumer\.session\.timeout\.ms/);
    expect(groupConfigProblem({ 'share.isolation.level': 'read_committed' }, {})).toBeUndefined();
    expect(groupConfigProblem({ 'share.isolation.level': 'serializable' }, {})).toMatch(/share\.isolation\.level/);
    expect(groupConfigProblem({ 'share.auto.offset.reset': 'by_duration:PT1H' }, {})).toBeUndefined();
    expect(groupConfigProblem({ 'share.auto.offset.reset': 'newest' }, {})).toMatch(/share\.auto\.offset\.reset/);
    expect(groupConfigProblem({ 'share.auto.offset.reset': 'by_duration:PT' }, {})).toMatch(/share\.auto\.offset\.reset/);
    expect(groupConfigProblem({ 'share.auto.offset.reset': 'by_duration:P1DT2H30M' }, {})).toBeUndefined();
  });
});

// ConfigHelper.createGroupConfigEntry: every group config; GROUP_CONFIG where set, else
// DEFAULT_CONFIG at the broker's group coordinator value; never read-only.
describe('describeGroupConfigs (DescribeConfigs on a GROUP resource)', () => {
  it('reports a set config as GROUP_CONFIG and the rest as DEFAULT_CONFIG from the broker', () => {
    const configs = describeGroupConfigs(
      { 'consumer.session.timeout.ms': '50000' },
      { static: { 'group.consumer.heartbeat.interval.ms': '3000' } },
      { includeSynonyms: true },
    );
    const byName = new Map(configs.map((config) => [config.name, config]));
    expect(byName.get('consumer.session.timeout.ms')).toMatchObject({
      value: '50000',
      configSource: ConfigSource.GROUP_CONFIG,
      readOnly: false,
      configType: ConfigTypeCode.INT,
      // As kafka-configs.sh printed it against Kafka 4.4.0: the group's value, then the broker's default.
      synonyms: [
        { name: 'consumer.session.timeout.ms', value: '50000', source: ConfigSource.GROUP_CONFIG },
        { name: 'group.consumer.session.timeout.ms', value: '45000', source: ConfigSource.DEFAULT_CONFIG },
      ],
    });
    expect(byName.get('consumer.heartbeat.interval.ms')).toMatchObject({
      value: '3000',
      configSource: ConfigSource.DEFAULT_CONFIG,
      synonyms: [{ name: 'group.consumer.heartbeat.interval.ms', value: '3000', source: ConfigSource.DEFAULT_CONFIG }],
    });
    // DescribeConfigs of a Kafka 4.4.0 broker: a config without a broker counterpart is its own synonym.
    expect(byName.get('share.auto.offset.reset')?.synonyms).toEqual([
      { name: 'share.auto.offset.reset', value: 'latest', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(byName.get('streams.num.standby.replicas')?.synonyms).toEqual([
      { name: 'group.streams.num.standby.replicas', value: '0', source: ConfigSource.DEFAULT_CONFIG },
    ]);
    expect(byName.get('share.isolation.level')).toMatchObject({ value: 'read_uncommitted', configSource: ConfigSource.DEFAULT_CONFIG });
    expect(configs.every((config) => !config.readOnly)).toBe(true);
  });

  it('answers only the configs asked for', () => {
    expect(describeGroupConfigs({}, {}, { configNames: ['consumer.heartbeat.interval.ms'] }).map((config) => config.name)).toEqual([
      'consumer.heartbeat.interval.ms',
    ]);
  });
});
