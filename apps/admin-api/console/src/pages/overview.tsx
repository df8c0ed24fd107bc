import { api } from '../api.ts';
import { Section, useLoad } from '../load.tsx';
import { sampleThroughput, type Throughput } from '../throughput.ts';

/** How far apart the two scrapes of /metrics are. */
const THROUGHPUT_WINDOW_MS = 1000;

const perSecond = (bytes: number) => `${Math.round(bytes).toLocaleString('en')} B/s`;

function ThroughputCards({ throughput }: { throughput: Throughput }) {
  if (!throughput.available) {
    return (
      <div>
        <dt>Throughput</dt>
        <dd class="gap">Not available: {throughput.reason}</dd>
      </div>
    );
  }
  return (
    <>
      <div>
        <dt>Bytes in</dt>
        <dd>{perSecond(throughput.bytesInPerSecond)}</dd>
      </div>
      <div>
        <dt>Bytes out</dt>
        <dd>{perSecond(throughput.bytesOutPerSecond)}</dd>
      </div>
    </>
  );
}

/** Brokers and partition health, and throughput from two scrapes of /metrics (or why there is none). */
export function OverviewPage() {
  const overview = useLoad(() => api.overview(), []);
  const throughput = useLoad(() => sampleThroughput(THROUGHPUT_WINDOW_MS), []);
  const brokers = useLoad(() => api.brokers(), []);
  return (
    <>
      <h1>Overview</h1>
      <Section loaded={overview} label="the cluster overview">
        {(o) => (
          <>
            <p class="muted">
              Cluster <code>{o.cluster_id}</code>, controller broker {o.controller_id}
            </p>
            <dl class="cards">
              <div>
                <dt>Brokers</dt>
                <dd>{o.brokers.length}</dd>
              </div>
              <div>
                <dt>Topics</dt>
                <dd>{o.topics_count}</dd>
              </div>
              <div>
                <dt>Partitions</dt>
                <dd>{o.partitions_count}</dd>
              </div>
              <div>
                <dt>Under-replicated partitions</dt>
                <dd class={o.under_replicated_partitions > 0 ? 'bad' : ''}>{o.under_replicated_partitions}</dd>
              </div>
              <div>
                <dt>Offline partitions</dt>
                <dd class={o.offline_partitions > 0 ? 'bad' : ''}>{o.offline_partitions}</dd>
              </div>
              {throughput.data ? <ThroughputCards throughput={throughput.data} /> : null}
            </dl>
            {throughput.data?.available ? (
              <p class="muted" role="note">
                Throughput of all topics from this port's /metrics, over {Math.round(throughput.data.windowMs).toLocaleString('en')} ms.
              </p>
            ) : null}
          </>
        )}
      </Section>
      {throughput.error ? (
        <p role="alert" class="error">
          Could not read throughput: {throughput.error.message}
        </p>
      ) : throughput.loading ? (
        <p role="status">Measuring throughput…</p>
      ) : null}
      <h2>Brokers</h2>
      <Section loaded={brokers} label="brokers">
        {(list) => (
          <table aria-label="Brokers">
            <thead>
              <tr>
                <th scope="col">Broker</th>
                <th scope="col">Host</th>
                <th scope="col">Port</th>
                <th scope="col">Rack</th>
              </tr>
            </thead>
            <tbody>
              {list.map((broker) => (
                <tr key={broker.broker_id}>
                  <td>{broker.broker_id}</td>
                  <td>{broker.host}</td>
                  <td class="number">{broker.port}</td>
                  <td>{broker.rack ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
