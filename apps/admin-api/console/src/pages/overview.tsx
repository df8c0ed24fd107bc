import { api } from '../api.ts';
import { Section, useLoad } from '../load.tsx';

/** Brokers and partition health, and a stated gap where throughput will be. */
export function OverviewPage() {
  const overview = useLoad(() => api.overview(), []);
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
              <div>
                <dt>Throughput</dt>
                <dd class="gap">Not available: {o.throughput_unavailable_reason}</dd>
              </div>
            </dl>
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
