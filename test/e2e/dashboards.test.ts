import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseExposition } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

/**
 * The Grafana dashboards and Prometheus alert rules under deploy/, and docker-compose.yml's
 * Prometheus and Grafana that load them: every metric a panel, a template variable or an alert
 * queries exists in a real scrape of a broker that served a producer and a consumer group.
 */
const repo = (path: string): string => new URL(`../../${path}`, import.meta.url).pathname;
const DASHBOARDS_DIR = 'deploy/grafana/dashboards';
const RULES_DIR = 'deploy/prometheus/rules';

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
}
interface Rules {
  groups: {
    name: string;
    rules: { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
  }[];
}

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions (followed by
 * `(`), keywords, label names (inside `{}` or a grouping clause), strings, ranges or numbers.
 */
export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w$:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (call !== undefined || PROMQL_WORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names];
}

/** label_values(metric, label) and label_values(metric{…}, label): the metric a template variable lists. */
function templateMetric(query: string): string[] {
  const match = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(query);
  return match ? [match[1]!] : promqlMetricNames(query);
}

function dashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(repo(DASHBOARDS_DIR))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(repo(`${DASHBOARDS_DIR}/${file}`), 'utf8')) as Dashboard }));
}

function rules(): { file: string; rules: Rules }[] {
  return readdirSync(repo(RULES_DIR))
    .filter((file) => file.endsWith('.yml'))
    .map((file) => ({ file, rules: parse(readFileSync(repo(`${RULES_DIR}/${file}`), 'utf8')) as Rules }));
}

/** Every query of a dashboard: its panels' (rows' too) and its template variables'. */
function dashboardQueries(dashboard: Dashboard): { where: string; names: string[] }[] {
  const out: { where: string; names: string[] }[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr) out.push({ where: `panel "${panel.title}": ${target.expr}`, names: promqlMetricNames(target.expr) });
      }
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (query && query !== 'prometheus') out.push({ where: `variable ${variable.name}: ${query}`, names: templateMetric(query) });
  }
  return out;
}

describe('PromQL metric names', () => {
  it('are told apart from functions, keywords, labels, strings and ranges', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, request) (rate(strom_request_total_time_seconds_bucket{request=~"Pro.*",x="a}b"}[$__rate_interval])))',
      ),
    ).toEqual(['strom_request_total_time_seconds_bucket']);
    expect(promqlMetricNames('sum(a_total) / on(instance) group_left(topic) b > bool 0 and c offset 5m')).toEqual(['a_total', 'b', 'c']);
    expect(promqlMetricNames('max by (consumergroup) (kafka_consumergroup_lag_seconds) > 600')).toEqual([
      'kafka_consumergroup_lag_seconds',
    ]);
  });
});

describe('the dashboards and alert rules under deploy/, against a real scrape', () => {
  let strom: EmbeddedStrom;
  let scraped: Set<string>;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    const kafka = new Kafka({ clientId: 'e2e-dashboards', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'watched', numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'watched', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: `record ${i}` })) });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: 'watchers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'watched', fromBeginning: true });
    let received = 0;
    await consumer.run({ autoCommitThreshold: 10, eachMessage: async () => void received++ });
    const deadline = Date.now() + 30_000;
    while (received < 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await consumer.disconnect();
    // Two scrapes: prom-client's Node metrics start with the first.
    const url = `http://127.0.0.1:${strom.running.httpPort}/metrics`;
    await fetch(url).then((response) => response.text());
    const exposition = parseExposition(await fetch(url).then((response) => response.text()));
    scraped = new Set(exposition.samples.map((sample) => sample.name));
    expect(received).toBe(50);
  }, 120_000);
  afterAll(async () => strom?.stop());

  it('ships the four dashboards, each with a data source variable and unique panel ids', () => {
    const shipped = dashboards();
    expect(shipped.map(({ dashboard }) => dashboard.uid).sort()).toEqual([
      'strom-cluster-operations',
      'strom-cluster-overview',
      'strom-consumer-lag',
      'strom-topics',
    ]);
    for (const { file, dashboard } of shipped) {
      expect(
        dashboard.templating.list.some((variable) => variable.name === 'datasource'),
        file,
      ).toBe(true);
      const ids = dashboard.panels.map((panel) => (panel as { id: number }).id);
      expect(new Set(ids).size, file).toBe(ids.length);
      expect(dashboardQueries(dashboard).length, file).toBeGreaterThan(3);
    }
  });

  it('queries only metrics a broker serves, in every panel and template variable', () => {
    const missing: string[] = [];
    for (const { file, dashboard } of dashboards()) {
      for (const { where, names } of dashboardQueries(dashboard)) {
        expect(names.length, `${file} ${where}`).toBeGreaterThan(0);
        for (const name of names) if (!scraped.has(name)) missing.push(`${file} ${where}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('alerts only on metrics a broker serves, each rule with a severity and a description', () => {
    const missing: string[] = [];
    const alerts = rules().flatMap(({ file, rules: parsed }) =>
      parsed.groups.flatMap((group) => group.rules.map((rule) => ({ file, rule }))),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const { file, rule } of alerts) {
      expect(['warning', 'critical'], `${file} ${rule.alert}`).toContain(rule.labels?.severity);
      expect(rule.annotations?.description, `${file} ${rule.alert}`).toBeTruthy();
      const names = promqlMetricNames(rule.expr);
      expect(names.length, `${file} ${rule.alert}`).toBeGreaterThan(0);
      for (const name of names) if (!scraped.has(name)) missing.push(`${file} ${rule.alert}: ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("docker-compose.yml's Prometheus and Grafana", () => {
  const compose = parse(readFileSync(repo('docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { volumes?: string[]; environment?: Record<string, string>; ports?: string[]; command?: string[] }>;
  };
  const prometheus = parse(readFileSync(repo('deploy/prometheus/prometheus.yml'), 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };

  it('mount the files under deploy/ where each reads them', () => {
    /** Where in the container → which path of the repository, for the service's bind mounts. */
    const mounts = (service: string): Record<string, string> =>
      Object.fromEntries(
        compose.services[service]!.volumes!.filter((v) => v.startsWith('./')).map((v) => {
          const [source, target] = v.split(':') as [string, string];
          return [target, source];
        }),
      );
    const prometheusMounts = mounts('prometheus');
    expect(prometheusMounts['/etc/prometheus/prometheus.yml']).toBe('./deploy/prometheus/prometheus.yml');
    expect(prometheusMounts['/etc/prometheus/rules']).toBe(`./${RULES_DIR}`);
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/rules/*.yml']);
    const grafanaMounts = mounts('grafana');
    expect(grafanaMounts['/etc/grafana/provisioning']).toBe('./deploy/grafana/provisioning');
    const provider = parse(readFileSync(repo('deploy/grafana/provisioning/dashboards/strom.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    expect(grafanaMounts[provider.providers[0]!.options.path]).toBe(`./${DASHBOARDS_DIR}`);
    const datasource = parse(readFileSync(repo('deploy/grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: { url: string }[];
    };
    expect(datasource.datasources[0]!.url).toBe('http://prometheus:9090');
    for (const path of Object.values({ ...prometheusMounts, ...grafanaMounts })) expect(existsSync(repo(path)), path).toBe(true);
  });

  it('scrape every Strom app on the port that serves its /metrics', () => {
    const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((config) => config.targets)).sort();
    const apps = Object.entries(compose.services).filter(([, service]) => service.command?.[1]?.startsWith('apps/'));
    const expected = apps
      .map(([name, service]) => `${name}:${service.environment?.STROM_HEALTH_PORT ?? service.environment?.STROM_ADMIN_PORT}`)
      .sort();
    expect(apps.length).toBeGreaterThanOrEqual(8);
    expect(targets).toEqual(expected);
  });
});
