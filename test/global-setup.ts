import type { TestProject } from 'vitest/node';
import { ensureJaeger, startNatsServer, startPostgres, startTemporalDevServer } from '../libs/testing/src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgresql:// URL of a throwaway server's `postgres` database (superuser, trust auth). */
    postgresUrl: string;
    /** nats:// URL of a throwaway nats-server with JetStream. */
    natsUrl: string;
    /** host:port of a Temporal dev server. */
    temporalAddress: string;
    temporalNamespace: string;
  }
}

/**
 * Starts the real services every integration test talks to, once per `vitest run`, on
 * ephemeral loopback ports, and stops them at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Built once here (a few minutes on a fresh machine), not by the tracing tests at once in parallel.
  ensureJaeger();
  const [postgres, nats, temporal] = await Promise.all([startPostgres(), startNatsServer({ jetStream: true }), startTemporalDevServer()]);
  project.provide('postgresUrl', postgres.url);
  project.provide('natsUrl', nats.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalNamespace', temporal.namespace);
  return async () => {
    await Promise.allSettled([postgres.stop(), nats.stop(), temporal.stop()]);
  };
}
