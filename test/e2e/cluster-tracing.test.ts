import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spanTag, startJaeger, startNatsServer, waitFor, type JaegerServer, type JaegerSpan, type NatsServerHandle } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';

const TOPIC = 'traced-cluster';
/** Node ids of their own: failover workflow ids are per broker id and epoch on the shared Temporal server. */
const LEADER = 41;
const FOLLOWER = 42;
const PRODUCER_TRACE = '5c0f1ac7e2b94d3f8a6b7c8d9e0f1a2b';
const PRODUCER_SPAN = '1a2b3c4d5e6f7081';
/** Short leases, so that the killed follower's failover starts within seconds. */
const SESSION_TIMEOUT_MS = 3_000;

/**
 * OpenTelemetry traces of a distributed cluster: every process (metadata, coordinator,
 * orchestrator, two brokers) on its own NATS, a fresh Postgres database and the Temporal dev
 * server, each exporting to one real OTLP endpoint (Jaeger) because of the standard OTEL_*
 * variables alone. Each app names itself (service.name strom-<app>, a broker's node id as
 * service.instance.id), and a trace follows a request across the processes: a CreateTopics from
 * the broker to the metadata service over the bus, a JoinGroup and SyncGroup to the group
 * coordinator, a traced record's acks=all produce to the leader's append and the follower's
 * replication of it, and a broker failover from the metadata service that starts the workflow to
 * the orchestrator's activities and back to the metadata service they ask.
 */
describe('OpenTelemetry traces across a distributed cluster, in Jaeger', () => {
  const apps: AppProcess[] = [];
  let jaeger: JaegerServer;
  let nats: NatsServerHandle;
  let root = '';
  let follower: AppProcess;
  let spans: JaegerSpan[] = [];

  beforeAll(async () => {
    jaeger = await startJaeger();
    nats = await startNatsServer();
    const databaseUrl = await freshDatabase(`strom_cluster_tracing_${process.pid}`);
    root = mkdtempSync(join(tmpdir(), 'strom-cluster-tracing-'));
    const properties = join(root, 'server.properties');
    writeFileSync(
      properties,
      [`broker.session.timeout.ms=${SESSION_TIMEOUT_MS}`, 'broker.heartbeat.interval.ms=500', 'replica.fetch.backoff.ms=200', ''].join(
        '\n',
      ),
    );
    const env = {
      STROM_NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      STROM_CONFIG: properties,
      STROM_TEMPORAL_ADDRESS: inject('temporalAddress'),
      STROM_TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      // Its own task queue: the orchestrators of other test files poll the default one on the same server.
      STROM_TEMPORAL_TASK_QUEUE: `cluster-tracing-${process.pid}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    apps.push(await startApp('metadata', env), await startApp('coordinator', env), await startApp('orchestrator', env));
    const brokerArgs = (id: number) => ['--node-id', String(id), '--port', '0', '--data-dir', join(root, `broker-${id}`)];
    const leader = await startApp('broker', env, brokerArgs(LEADER));
    follower = await startApp('broker', env, brokerArgs(FOLLOWER));
    apps.push(leader, follower);

    const kafka = new Kafka({
      clientId: 'cluster-tracing',
      brokers: [`127.0.0.1:${listenerPort(leader)}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 8 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: TOPIC,
          replicaAssignment: [{ partition: 0, replicas: [LEADER, FOLLOWER] }],
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    await admin.disconnect();

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      acks: -1,
      messages: [{ value: 'traced', headers: { traceparent: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01` } }],
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'cluster-tracing-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let received = 0;
    await consumer.run({ eachMessage: async () => void received++ });
    await waitFor('the consumer to read the record', async () => received >= 1, 30_000);
    await consumer.disconnect();

    // The follower dies: its lease runs out and the metadata service starts its failover workflow.
    follower.child.kill('SIGKILL');
    await follower.exited;

    await waitFor(
      'the spans in Jaeger',
      async () => {
        // A trace holds every process's spans; one with both services' comes from both queries.
        const found = [...(await jaeger.spans('strom-broker', 100_000)), ...(await jaeger.spans('strom-orchestrator', 100_000))];
        spans = [...new Map(found.map((span) => [span.spanID, span])).values()];
        return (
          ['CreateTopics', `produce ${TOPIC}`, `replicate ${TOPIC}`, 'JoinGroup', 'SyncGroup'].every((name) =>
            spans.some((span) => span.operationName === name),
          ) && spans.some((span) => span.operationName === 'activity completeFailover')
        );
      },
      60_000,
      500,
    );
  }, 600_000);

  afterAll(async () => {
    for (const app of apps.reverse()) app.child.kill('SIGKILL');
    await nats?.stop();
    await jaeger?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const byId = (spanId: string | undefined) => spans.find((span) => span.spanID === spanId);
  const parentOf = (span: JaegerSpan) => byId(span.references.find((ref) => ref.refType === 'CHILD_OF')?.spanID);
  const childrenOf = (parent: JaegerSpan) => spans.filter((span) => parentOf(span) === parent);
  const serviceOf = (span: JaegerSpan) => span.process.serviceName;
  const instanceOf = (span: JaegerSpan) => span.process.tags.find((tag) => tag.key === 'service.instance.id')?.value;
  const named = (name: string) => spans.filter((span) => span.operationName === name);
  /** The bus request a span made to `subject`, and the serving process's span of it, its child over NATS. */
  const overTheBus = (parent: JaegerSpan, subject: string) => {
    const sent = childrenOf(parent).find((span) => span.operationName === `send ${subject}`);
    const handled = sent && childrenOf(sent).find((span) => span.operationName === `process ${subject}`);
    return { sent, handled };
  };

  it("a CreateTopics request's trace runs from the broker into the metadata service, over the bus", () => {
    const [request] = named('CreateTopics');
    expect(serviceOf(request!)).toBe('strom-broker');
    expect(spanTag(request!, 'span.kind')).toBe('server');
    expect(spanTag(request!, 'messaging.client.id')).toBe('cluster-tracing');
    const { sent, handled } = overTheBus(request!, 'strom.metadata.topics.create');
    expect(serviceOf(sent!)).toBe('strom-broker');
    expect(spanTag(sent!, 'span.kind')).toBe('client');
    expect(spanTag(sent!, 'messaging.system')).toBe('nats');
    expect(serviceOf(handled!)).toBe('strom-metadata');
    expect(spanTag(handled!, 'span.kind')).toBe('server');
    expect(spanTag(handled!, 'messaging.destination.name')).toBe('strom.metadata.topics.create');
    expect(handled!.traceID).toBe(request!.traceID);
  });

  it("an acks=all produce of a traced record: the leader's append and the follower's replication both link to the producer's trace", () => {
    const [append] = named(`produce ${TOPIC}`);
    expect([serviceOf(append!), instanceOf(append!)]).toEqual(['strom-broker', `broker-${LEADER}`]);
    expect(spanTag(append!, 'messaging.system')).toBe('kafka');
    expect(spanTag(append!, 'messaging.destination.name')).toBe(TOPIC);
    expect(spanTag(append!, 'messaging.destination.partition.id')).toBe('0');
    expect(spanTag(append!, 'messaging.kafka.offset')).toBe(0);
    expect(parentOf(append!)?.operationName).toBe('Produce');
    const linksOf = (span: JaegerSpan) =>
      span.references.filter((ref) => ref.refType === 'FOLLOWS_FROM').map((ref) => [ref.traceID, ref.spanID]);
    expect(linksOf(append!)).toEqual([[PRODUCER_TRACE, PRODUCER_SPAN]]);

    const replications = named(`replicate ${TOPIC}`);
    expect(replications.map(instanceOf)).toEqual([`broker-${FOLLOWER}`]);
    const [replication] = replications;
    expect(serviceOf(replication!)).toBe('strom-broker');
    expect(spanTag(replication!, 'span.kind')).toBe('consumer');
    expect(spanTag(replication!, 'messaging.system')).toBe('kafka');
    expect(spanTag(replication!, 'messaging.destination.name')).toBe(TOPIC);
    expect(spanTag(replication!, 'messaging.destination.partition.id')).toBe('0');
    expect(spanTag(replication!, 'messaging.kafka.offset')).toBe(0);
    expect(spanTag(replication!, 'messaging.batch.message_count')).toBe(1);
    expect(spanTag(replication!, 'messaging.kafka.leader.id')).toBe(LEADER);
    expect(linksOf(replication!)).toEqual([[PRODUCER_TRACE, PRODUCER_SPAN]]);

    // The fetch the follower made of it, as the leader served it.
    const served = named(`fetch ${TOPIC}`).filter(
      (read) => instanceOf(read) === `broker-${LEADER}` && spanTag(read, 'messaging.batch.message_count') === 1,
    );
    const fetches = served.map(parentOf);
    expect(
      fetches.some(
        (fetch) => fetch?.operationName === 'Fetch' && spanTag(fetch, 'messaging.client.id') === `broker-${FOLLOWER}-fetcher-${LEADER}`,
      ),
    ).toBe(true);
  });

  it("a consumer group's JoinGroup and SyncGroup run from the broker into the group coordinator process, over the bus", () => {
    for (const name of ['JoinGroup', 'SyncGroup']) {
      const request = named(name).find((span) =>
        childrenOf(span).some((child) => child.operationName.startsWith('send strom.coordinator.')),
      )!;
      expect(serviceOf(request), name).toBe('strom-broker');
      const sent = childrenOf(request).filter((span) => span.operationName.startsWith('send strom.coordinator.'));
      const handled = sent.flatMap(childrenOf).filter((span) => span.operationName.startsWith('process strom.coordinator.'));
      expect(handled.length, name).toBe(sent.length);
      expect(handled.map(serviceOf), name).toEqual(sent.map(() => 'strom-coordinator'));
      expect(spanTag(handled[0]!, 'messaging.destination.name')).toBe(handled[0]!.operationName.slice('process '.length));
    }
  });

  it("a broker failover's trace: the metadata service starts the workflow, whose activities ask the metadata service over the bus", () => {
    const activities = spans.filter((span) => serviceOf(span) === 'strom-orchestrator' && span.operationName.startsWith('activity '));
    const failover = activities.filter((span) => String(spanTag(span, 'temporal.workflow.id')).startsWith(`broker-failover-${FOLLOWER}-`));
    expect(failover.map((span) => span.operationName)).toEqual(
      expect.arrayContaining(['activity fenceBroker', 'activity publishMetadataVersion', 'activity completeFailover']),
    );
    const start = parentOf(failover[0]!)!;
    expect(start, "the activity's parent: the span that started the workflow").toBeDefined();
    expect(serviceOf(start)).toBe('strom-metadata');
    expect(start.operationName).toBe('start brokerFailoverWorkflow');
    expect(spanTag(start, 'temporal.workflow.id')).toBe(spanTag(failover[0]!, 'temporal.workflow.id'));
    for (const activity of failover) expect(parentOf(activity), activity.operationName).toBe(start);

    const fence = failover.find((span) => span.operationName === 'activity fenceBroker')!;
    const { sent, handled } = overTheBus(fence, 'strom.metadata.brokers.fence');
    expect(serviceOf(sent!)).toBe('strom-orchestrator');
    expect(serviceOf(handled!)).toBe('strom-metadata');
    const complete = failover.find((span) => span.operationName === 'activity completeFailover')!;
    expect(serviceOf(overTheBus(complete, 'strom.metadata.brokers.failover.complete').handled!)).toBe('strom-metadata');
  });
});
