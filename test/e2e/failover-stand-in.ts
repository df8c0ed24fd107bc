import { replyJson, type InProcessBus, type Subscription } from '@strom/bus';
import { MetadataSubjects, type BrokerFailoverInfo, type CompleteFailoverRequest, type FenceBrokerRequest } from '@strom/contracts';

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
