import { useEffect, useState } from 'preact/hooks';
import { stromApi, type OperationDetail } from '../api.ts';
import { Section, useLoad } from '../load.tsx';

/** Temporal's execution statuses, the list's filter. */
const STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'] as const;
/** The list's page size: the API's default, and the most it gives. */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
/** How often a running operation is asked again. */
const POLL_INTERVAL_MS = 1000;

const enc = encodeURIComponent;

function time(iso: string | null): string {
  return iso === null ? '—' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** The cluster's operations (Temporal workflows), filtered by status, a page at a time. */
export function OperationsPage() {
  const [status, setStatus] = useState('');
  const [pageSize, setPageSize] = useState(DEFAULT_PAGE_SIZE);
  // The page tokens that led to the pages before this one: [] on the first page.
  const [tokens, setTokens] = useState<string[]>([]);
  const token = tokens.at(-1);
  const operations = useLoad(
    () => stromApi.operations({ status: status || undefined, pageSize, pageToken: token }),
    [status, pageSize, token],
  );
  const next = operations.data?.metadata.next ? new URL(operations.data.metadata.next).searchParams.get('page_token') : null;
  return (
    <>
      <h1>Cluster operations</h1>
      <div class="toolbar">
        <label>
          Status
          <select
            name="status"
            value={status}
            onChange={(event) => {
              setStatus(event.currentTarget.value);
              setTokens([]);
            }}
          >
            <option value="">Any</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Per page
          <input
            type="number"
            name="page_size"
            min={1}
            max={MAX_PAGE_SIZE}
            value={pageSize}
            onInput={(event) => {
              const size = Number(event.currentTarget.value);
              if (!(size >= 1 && size <= MAX_PAGE_SIZE)) return;
              setPageSize(size);
              setTokens([]);
            }}
          />
        </label>
        <button type="button" onClick={operations.reload}>
          Refresh
        </button>
      </div>
      <Section loaded={operations} label="cluster operations">
        {(page) =>
          page.data.length === 0 ? (
            <p role="note">
              {status === '' && tokens.length === 0
                ? 'No cluster operations. Cluster operations (Temporal workflows such as a broker failover) run in distributed mode; embedded Strom runs none.'
                : `No ${status} operations.`}
            </p>
          ) : (
            <table aria-label="Cluster operations">
              <thead>
                <tr>
                  <th scope="col">Operation</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Started</th>
                  <th scope="col">Closed</th>
                </tr>
              </thead>
              <tbody>
                {page.data.map((operation) => (
                  <tr key={`${operation.operation_id}/${operation.run_id}`}>
                    <td>
                      <a href={`#/operations/${enc(operation.operation_id)}`}>{operation.operation_id}</a>
                    </td>
                    <td>{operation.type}</td>
                    <td>{operation.status}</td>
                    <td>{time(operation.start_time)}</td>
                    <td>{time(operation.close_time)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Section>
      <div class="toolbar">
        <button type="button" disabled={tokens.length === 0} onClick={() => setTokens((list) => list.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={next === null} onClick={() => next !== null && setTokens((list) => [...list, next])}>
          Next page
        </button>
      </div>
    </>
  );
}

/** One operation: its target, steps, result or failure, asked again while it runs; a link to the Temporal Web UI when configured. */
export function OperationPage({ id }: { id: string }) {
  const operation = useLoad(() => stromApi.operation(id), [id]);
  const running = operation.data?.status === 'RUNNING';
  useEffect(() => {
    if (!running || operation.loading) return;
    const timer = setTimeout(operation.reload, POLL_INTERVAL_MS);
    return () => clearTimeout(timer);
  }, [running, operation.loading, operation.data]);
  return (
    <>
      <h1>Operation {id}</h1>
      <p>
        <a href="#/operations">All operations</a>
      </p>
      <Section loaded={operation} label="the operation">
        {(detail) => <OperationDetails detail={detail} />}
      </Section>
    </>
  );
}

function OperationDetails({ detail }: { detail: OperationDetail }) {
  return (
    <>
      <dl class="facts">
        <div>
          <dt>Type</dt>
          <dd>{detail.type}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd aria-live="polite">{detail.status}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{time(detail.start_time)}</dd>
        </div>
        <div>
          <dt>Closed</dt>
          <dd>{time(detail.close_time)}</dd>
        </div>
        {detail.broker_id === null ? null : (
          <div>
            <dt>Broker</dt>
            <dd>
              {detail.broker_id}
              {detail.broker_epoch === null ? '' : ` (epoch ${detail.broker_epoch})`}
            </dd>
          </div>
        )}
        <div>
          <dt>Run</dt>
          <dd>
            <code>{detail.run_id}</code>
          </dd>
        </div>
      </dl>
      {detail.temporal_ui ? (
        <p>
          <a href={detail.temporal_ui} target="_blank" rel="noreferrer">
            Open in the Temporal Web UI
          </a>
        </p>
      ) : null}
      <h2>Steps</h2>
      {detail.steps.length === 0 ? (
        <p>No step has been scheduled yet.</p>
      ) : (
        <table aria-label="Steps">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Status</th>
              <th scope="col" class="number">
                Attempt
              </th>
              <th scope="col">Scheduled</th>
              <th scope="col">Closed</th>
              <th scope="col">Failure</th>
            </tr>
          </thead>
          <tbody>
            {detail.steps.map((step, index) => (
              <tr key={`${index}-${step.name}`}>
                <td>{step.name}</td>
                <td>{step.status}</td>
                <td class="number">{step.attempt}</td>
                <td>{time(step.scheduled_time)}</td>
                <td>{time(step.close_time)}</td>
                <td>{step.failure ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail.failure ? (
        <>
          <h2>Failure</h2>
          <p class="error">{detail.failure}</p>
        </>
      ) : null}
      {detail.status === 'COMPLETED' ? (
        <>
          <h2>Result</h2>
          <pre>{JSON.stringify(detail.result, null, 2)}</pre>
        </>
      ) : null}
    </>
  );
}
