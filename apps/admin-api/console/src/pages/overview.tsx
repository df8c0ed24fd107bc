import { useEffect } from 'preact/hooks';
import { api, type Overview, type Rates } from '../api.ts';
import { Section, useLoad } from '../load.tsx';

/** How often the page asks for the overview again: the brokers report their traffic every second. */
const REFRESH_MS = 2_000;

const whole = (value: number) => Math.round(value).toLocaleString('en');
const bytesPerSecond = (bytes: number) => `${whole(bytes)} B/s`;

function ThroughputCards({ overview }: { overview: Overview }) {
  const throughput = overview.throughput;
  if (!throughput) {
    return (
      <div>
        <dt>Throughput</dt>
        <dd class="gap">Not available: {overview.throughput_unavailable_reason}</dd>
      </div>
    );
  }
  return (
    <>
      <div>
        <dt>Bytes in</dt>
        <dd>{bytesPerSecond(throughput.bytes_in_per_sec)}</dd>
      </div>
      <div>
        <dt>Bytes out</dt>
        <dd>{bytesPerSecond(throughput.bytes_out_per_sec)}</dd>
      </div>
      <div>
        <dt>Messages in</dt>
        <dd>{whole(throughput.messages_in_per_sec)}/s</dd>
      </div>
    </>
  );
}

/** Brokers and partition health, and the brokers' throughput (or why there is none), asked again every few seconds. */
export function OverviewPage() {
  const overview = useLoad(() => api.overview(), []);
  const brokers = useLoad(() => api.brokers(), []);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') overview.reload();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [overview.reload]);
  const rates = new Map<number, Rates>((overview.data?.throughput?.brokers ?? []).map((broker) => [broker.broker_id, broker]));
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
              <ThroughputCards overview={o} />
            </dl>
            {o.throughput ? (
              <p class="muted" role="note">
                Throughput of all topics, from the traffic totals each broker reports every second ({o.throughput.brokers.length} of{' '}
                {o.brokers.length} brokers reporting); refreshed every {REFRESH_MS / 1000} s.
              </p>
            ) : null}
          </>
        )}
      </Section>
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
                <th scope="col">Bytes in</th>
                <th scope="col">Bytes out</th>
              </tr>
            </thead>
            <tbody>
              {list.map((broker) => {
                const rate = rates.get(broker.broker_id);
                return (
                  <tr key={broker.broker_id}>
                    <td>{broker.broker_id}</td>
                    <td>{broker.host}</td>
                    <td class="number">{broker.port}</td>
                    <td>{broker.rack ?? '—'}</td>
                    <td class="number">{rate ? bytesPerSecond(rate.bytes_in_per_sec) : '—'}</td>
                    <td class="number">{rate ? bytesPerSecond(rate.bytes_out_per_sec) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
