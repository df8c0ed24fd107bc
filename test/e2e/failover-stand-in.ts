import { InProcessBus, replyJson, type Subscription } from '@strom/bus';
import { MetadataSubjects, type BrokerFailoverInfo, type CompleteFailoverRequest, type FenceBrokerRequest } from '@strom/contracts';
import { OrchestratorModule } from '@strom/orchestrator';
import { bootApp, compose, createLogger } from '@strom/runtime';
import { freePort } from '@strom/testing';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { startApp, type AppProcess } from './app-process.js';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

/**
 * A stand-in for the metadata service on the orchestrator's in-process bus: it fences broker 2
 * (broker 1 becomes leader of its one partition) and reports broker 1's applied metadata version,
 * which stays behind the failover's until the test lets it catch up, so BrokerFailover waits in its
 * awaitLeaders step. Broker 9's epoch was superseded: nothing to fail over. Fencing broker 5 fails.
 */
export class MetadataStandIn {
  appliedVersion = '6';
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly bus: InProcessBus) {}

  async start(): Promise<void> {
    const failover = (request: { brokerId: number; brokerEpoch: string }): BrokerFailoverInfo => ({
      brokerId: request.brokerId,
      brokerEpoch: request.brokerEpoch,
      reason: 'lease-expired',
      leaseExpiredAtMs: Date.now(),
      fencedAtMs: Date.now(),
      version: '7',
      partitions: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', topic: 'orders', partitionIndex: 0, leaderId: 1, leaderEpoch: 3, isr: [1] }],
      fencedBy: 'workflow',
      completedAtMs: null,
      confirmedLeaders: [],
      workflowId: null,
    });
    this.subscriptions.push(
      replyJson(this.bus, MetadataSubjects.fenceBroker, (request: FenceBrokerRequest) => {
        if (request.brokerId === 5) throw new Error('the metadata store is unavailable');
        return request.brokerId === 9 ? { status: 'superseded', failover: null } : { status: 'fenced', failover: failover(request) };
      }),
      replyJson(this.bus, MetadataSubjects.brokerVersions, () => ({
        brokers: [{ id: 1, epoch: '1', fenced: false, appliedVersion: this.appliedVersion }],
      })),
      replyJson(this.bus, MetadataSubjects.completeFailover, (request: CompleteFailoverRequest) => ({
        status: 'fenced',
        failover: {
          ...failover(request),
          completedAtMs: Date.now(),
          confirmedLeaders: request.confirmedLeaders,
          workflowId: request.workflowId,
        },
      })),
    );
    await Promise.all(this.subscriptions.map((subscription) => subscription.ready));
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.unsubscribe()));
  }
}

/**
 * What the cluster-operation tests run against: embedded Strom as the cluster, an admin-api process
 * (distributed mode) reading operations from the tests' Temporal dev server, and the real
 * orchestrator worker on its own task queue with the stand-in metadata service on its bus.
 */
export interface OperationsRig {
  cluster: EmbeddedStrom;
  admin: AppProcess;
  /** The admin API's http://host:port. */
  base: string;
  metadata: MetadataStandIn;
  temporal: Client;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startOperationsRig(taskQueue: string, temporalUiUrl: string): Promise<OperationsRig> {
  const cluster = await startEmbeddedStrom();
  const port = await freePort();
  const admin = await startApp('admin-api', {
    STROM_NATS_URL: inject('natsUrl'),
    STROM_ADMIN_PORT: String(port),
    STROM_ADMIN_BOOTSTRAP_SERVERS: cluster.bootstrap,
    STROM_TEMPORAL_ADDRESS: inject('temporalAddress'),
    STROM_TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    STROM_ADMIN_TEMPORAL_UI_URL: temporalUiUrl,
  });
  const bus = new InProcessBus();
  const metadata = new MetadataStandIn(bus);
  await metadata.start();
  const orchestrator = await bootApp({
    name: 'orchestrator-operations-test',
    module: compose({ bus, logger: createLogger('test', 'silent') }, [
      OrchestratorModule.forRoot({ temporalAddress: inject('temporalAddress'), temporalNamespace: inject('temporalNamespace'), taskQueue }),
    ]) as never,
    logger: createLogger('test', 'silent'),
    shutdownTimeoutMs: 10_000,
  });
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return {
    cluster,
    admin,
    base: `http://127.0.0.1:${port}`,
    metadata,
    temporal: new Client({ connection, namespace: inject('temporalNamespace') }),
    taskQueue,
    async stop() {
      await orchestrator.stop('test done');
      await metadata.stop();
      await bus.close();
      await connection.close();
      admin.child.kill('SIGTERM');
      await admin.exited;
      await cluster.stop();
    },
  };
}
