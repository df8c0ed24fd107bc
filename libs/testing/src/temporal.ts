import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, run, say } from './tools.js';

/**
 * The Temporal CLI version we build. Newer tags carry a `replace` directive in go.mod, which
 * `go install pkg@version` rejects, so v1.5.1 is the newest that builds this way.
 */
export const temporalCliVersion = 'v1.5.1';

/** Where the Go-built Temporal CLI is cached between runs (stable across checkouts). */
export function temporalCliPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cacheRoot, 'strom', `temporal-cli-${temporalCliVersion}`, 'temporal');
}

/**
 * The path of the `temporal` CLI, building it with `go install` into the cache the first
 * time. Idempotent. The Temporal TypeScript SDK is then handed this file as an existing
 * executable, so it never tries to download a dev server (these machines have no internet but
 * the package registries).
 */
export function ensureTemporalCli(): string {
  const path = temporalCliPath();
  if (existsSync(path)) return path;
  const go = findExecutable('go', ['/usr/local/go/bin']);
  if (!go) {
    throw new Error(
      `the Temporal CLI is not built and Go is missing; install Go, then run: GOBIN=${join(path, '..')} go install github.com/temporalio/cli/cmd/temporal@${temporalCliVersion}`,
    );
  }
  mkdirSync(join(path, '..'), { recursive: true });
  say(`building the Temporal CLI ${temporalCliVersion} with go install into ${path} (a few minutes, once)`);
  run(go, ['install', `github.com/temporalio/cli/cmd/temporal@${temporalCliVersion}`], {
    env: { ...process.env, GOBIN: join(path, '..'), GOFLAGS: '-mod=mod' },
    cwd: homedir(),
  });
  if (!existsSync(path)) throw new Error(`go install finished but ${path} does not exist`);
  return path;
}

export interface TemporalDevServer {
  /** host:port of the frontend gRPC service. */
  readonly address: string;
  readonly namespace: string;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev --headless --ip 127.0.0.1 --port P` through the Temporal
 * TypeScript SDK's ephemeral-server support, handing it our Go-built CLI as an existing
 * executable (in-memory database, no UI).
 */
export async function startTemporalDevServer(options: { uiPort?: number } = {}): Promise<TemporalDevServer> {
  const path = ensureTemporalCli();
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const port = await freePort();
  say(`starting the Temporal dev server (${path}) on 127.0.0.1:${port}`);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      port,
      ...(options.uiPort === undefined ? { ui: false } : { ui: true, uiPort: options.uiPort }),
      log: { format: 'pretty', level: 'warn' },
    },
  });
  let stopped = false;
  return {
    address: env.address,
    namespace: env.namespace ?? 'default',
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await env.teardown();
    },
  };
}
