import { BROKER_FAILOVER_WORKFLOW } from '@strom/workflows';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EmbeddedStrom } from './embedded-harness.js';
import { startOperationsRig, type MetadataStandIn, type OperationsRig } from './failover-stand-in.js';
import { ConfluentSchemas, StromClient, type Json } from './rest-v3-support.js';

const OPERATIONS = '/strom/v1/clusters/{cluster_id}/operations';
const OPERATION = `${OPERATIONS}/{operation_id}`;
const UI_URL = 'http://temporal-ui.example:8233';

interface Operation {
  operation_id: string;
  type: string;
  status: string;
  close_time: string | null;
  broker_id: number | null;
  broker_epoch: string | null;
  steps: { name: string; status: string; attempt: number; close_time: string | null }[];
  result: unknown;
  failure: string | null;
  temporal_ui: string | null;
}

/**
 * Cluster operations over Strom's REST API: real BrokerFailover workflows run by the real
 * orchestrator worker (its own task queue, a stand-in metadata service on its bus) on the tests'
 * Temporal dev server, read by the admin-api process (distributed mode) from strom.temporal.*, and
 * embedded Strom, which has no Temporal, answering none.
 */
describe('/strom/v1 cluster operations: the Temporal workflows, with their progress', () => {
  let cluster: EmbeddedStrom;
  let rest: StromClient;
  let cluster_id: string;
  let temporal: Client;
  let metadata: MetadataStandIn;
  let rig: OperationsRig;
  const taskQueue = `strom-orchestrator-ops-${process.pid}`;
  const runTag = String(Date.now());

  beforeAll(async () => {
    rig = await startOperationsRig(taskQueue, UI_URL);
    ({ cluster, metadata, temporal } = rig);
    rest = new StromClient(rig.base, new ConfluentSchemas());
    cluster_id = ((await (await fetch(`${rig.base}/v3/clusters`)).json()) as { data: { cluster_id: string }[] }).data[0]!.cluster_id;
  }, 120_000);

  afterAll(async () => rig?.stop());

  function startFailover(brokerId: number, epoch: string) {
    return temporal.workflow.start(BROKER_FAILOVER_WORKFLOW, {
      taskQueue,
      workflowId: `broker-failover-${brokerId}-${epoch}`,
      args: [{ brokerId, brokerEpoch: epoch }],
      workflowExecutionTimeout: '2 minutes',
    });
  }

  async function operation(id: string): Promise<Operation> {
    const answer = await rest.call('get', OPERATION, { cluster_id, operation_id: id });
    expect(answer.status).toBe(200);
    return answer.body as unknown as Operation;
  }

  /** Asks until `done` holds of the operation (Temporal's history and visibility follow the workflow closely, not at once). */
  async function operationWhen(id: string, done: (operation: Operation) => boolean, timeoutMs = 20_000): Promise<Operation> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const answer = await rest.call('get', OPERATION, { cluster_id, operation_id: id });
      if (answer.status === 200 && done(answer.body as unknown as Operation)) return answer.body as unknown as Operation;
      if (Date.now() > deadline) throw new Error(`operation ${id} never got there: ${JSON.stringify(answer.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function listed(query: Record<string, string>): Promise<{ ids: string[]; next: string | null; body: Json }> {
    const answer = await rest.call('get', OPERATIONS, { cluster_id }, undefined, query);
    expect(answer.status).toBe(200);
    const body = answer.body as unknown as { data: Operation[]; metadata: { next: string | null } };
    return { ids: body.data.map((item) => item.operation_id), next: body.metadata.next, body: answer.body! };
  }

  async function listedWhen(query: Record<string, string>, done: (ids: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { ids } = await listed(query);
      if (done(ids)) return ids;
      if (Date.now() > deadline) throw new Error(`the list ${JSON.stringify(query)} never got there: ${ids.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("shows a BrokerFailover's steps while it waits for the new leader, then its result", async () => {
    metadata.appliedVersion = '6';
    const epoch = `${runTag}1`;
    const handle = await startFailover(2, epoch);
    const waiting = await operationWhen(handle.workflowId, (seen) =>
      seen.steps.some((step) => step.name === 'awaitLeaders' && step.status === 'RUNNING'),
    );
    expect(waiting).toMatchObject({
      kind: 'StromClusterOperation',
      metadata: { self: expect.stringMatching(new RegExp(`/strom/v1/clusters/${cluster_id}/operations/${handle.workflowId}$`)) },
      operation_id: handle.workflowId,
      run_id: handle.firstExecutionRunId,
      type: BROKER_FAILOVER_WORKFLOW,
      status: 'RUNNING',
      close_time: null,
      broker_id: 2,
      broker_epoch: epoch,
      input: [{ brokerId: 2, brokerEpoch: epoch }],
      result: null,
      failure: null,
      temporal_ui: `${UI_URL}/namespaces/${inject('temporalNamespace')}/workflows/${handle.workflowId}/${handle.firstExecutionRunId}/history`,
    });
    expect(waiting.steps.map((step) => [step.name, step.status])).toEqual([
      ['fenceBroker', 'COMPLETED'],
      ['publishMetadataVersion', 'COMPLETED'],
      ['awaitLeaders', 'RUNNING'],
    ]);
    expect(waiting.steps.at(-1)!.close_time).toBeNull();
    expect(await listedWhen({ status: 'RUNNING' }, (ids) => ids.includes(handle.workflowId))).toContain(handle.workflowId);

    metadata.appliedVersion = '7';
    await handle.result();
    const done = await operationWhen(handle.workflowId, (seen) => seen.status === 'COMPLETED');
    expect(done.steps.map((step) => [step.name, step.status])).toEqual([
      ['fenceBroker', 'COMPLETED'],
      ['publishMetadataVersion', 'COMPLETED'],
      ['awaitLeaders', 'COMPLETED'],
      ['completeFailover', 'COMPLETED'],
    ]);
    expect(done.close_time).not.toBeNull();
    expect(done.result).toMatchObject({
      status: 'fenced',
      confirmation: { confirmed: [1], unconfirmed: [] },
      failover: { brokerId: 2, confirmedLeaders: [1], workflowId: handle.workflowId },
    });
    const running = await listedWhen({ status: 'RUNNING' }, (ids) => !ids.includes(handle.workflowId));
    expect(running).not.toContain(handle.workflowId);
  }, 60_000);

  it('lists the most recent first, filters by status, pages with a bounded page size', async () => {
    const first = await startFailover(9, `${runTag}2`);
    await first.result();
    const second = await startFailover(9, `${runTag}3`);
    await second.result();
    const completed = await listedWhen({ status: 'COMPLETED' }, (ids) => ids.includes(second.workflowId) && ids.includes(first.workflowId));
    expect(completed.indexOf(second.workflowId)).toBeLessThan(completed.indexOf(first.workflowId));
    expect((await operation(second.workflowId)).result).toEqual({ status: 'superseded', failover: null, confirmation: null });

    const page = await listed({ status: 'COMPLETED', page_size: '1' });
    expect(
      await rest.call('get', OPERATIONS, { cluster_id }, undefined, { page_token: new URL(page.next!).searchParams.get('page_token')! }),
    ).toMatchObject({
      status: 400,
      body: { error_code: 400, message: expect.stringContaining('page_token is not one this list gave') },
    });
    expect(page.ids).toHaveLength(1);
    expect(page.next).toMatch(/[?&]page_token=/);
    const following = new URL(page.next!);
    const nextPage = await listed(Object.fromEntries(following.searchParams));
    expect(nextPage.ids).toHaveLength(1);
    expect(nextPage.ids[0]).not.toBe(page.ids[0]);

    for (const query of [{ page_size: '0' }, { page_size: '101' }, { status: 'DONE' }, { page_token: 'bm90IGEgdG9rZW4' }] as Record<
      string,
      string
    >[]) {
      expect(await rest.call('get', OPERATIONS, { cluster_id }, undefined, query)).toMatchObject({
        status: 400,
        body: { error_code: 400 },
      });
    }
    expect(await rest.call('get', OPERATION, { cluster_id, operation_id: `broker-failover-4-${runTag}` })).toEqual({
      status: 404,
      body: { error_code: 404, message: `Operation broker-failover-4-${runTag} cannot be found.` },
    });
  }, 60_000);

  it('says why an operation ended without completing', async () => {
    metadata.appliedVersion = '6';
    const handle = await startFailover(2, `${runTag}4`);
    await operationWhen(handle.workflowId, (seen) => seen.steps.some((step) => step.name === 'awaitLeaders'));
    await handle.terminate('stopped by the test');
    const ended = await operationWhen(handle.workflowId, (seen) => seen.status === 'TERMINATED');
    expect(ended).toMatchObject({ failure: 'stopped by the test', result: null, close_time: expect.any(String) });
    expect(await listedWhen({ status: 'TERMINATED' }, (ids) => ids.includes(handle.workflowId))).toContain(handle.workflowId);
  }, 60_000);

  it('shows a step Temporal retries with its attempt and last failure', async () => {
    const handle = await startFailover(5, `${runTag}5`);
    const retrying = await operationWhen(handle.workflowId, (seen) => (seen.steps[0]?.attempt ?? 0) >= 2);
    expect(retrying).toMatchObject({ status: 'RUNNING', result: null, failure: null });
    expect(retrying.steps).toEqual([
      expect.objectContaining({
        name: 'fenceBroker',
        status: expect.stringMatching(/^(SCHEDULED|RUNNING)$/),
        close_time: null,
        failure: expect.stringContaining('the metadata store is unavailable'),
      }),
    ]);
    await handle.terminate('test done');
  }, 60_000);

  it('in embedded mode, which runs no Temporal, lists none and finds none, as its document says', async () => {
    const base = `http://127.0.0.1:${cluster.running.httpPort}`;
    const embedded = new StromClient(base, new ConfluentSchemas());
    const list = await embedded.call('get', OPERATIONS, { cluster_id });
    expect(list).toMatchObject({ status: 200, body: { kind: 'StromClusterOperationList', data: [] } });
    expect(await embedded.call('get', OPERATION, { cluster_id, operation_id: 'broker-failover-2-1' })).toMatchObject({
      status: 404,
      body: { error_code: 404 },
    });
    const document = (await (await fetch(`${base}/v3/openapi.json`)).json()) as {
      paths: Record<string, { get: { description: string } }>;
    };
    expect(document.paths[OPERATIONS]!.get.description).toContain('Embedded Strom runs no Temporal');
  });
});
