import { existsSync } from 'node:fs';
import { npmStartNodeFlags } from '@strom/testing';
import { join } from 'node:path';
import { startChild, tail, type ChildHandle } from '../compat/support/child-process.js';
import { REPO } from '../compat/support/model.js';

/** The built CLI (`npx tsc -b`), run the way `npm start` runs it. */
export const STROM_MAIN = join(REPO, 'apps', 'strom', 'dist', 'main.js');

export interface BrokerProcessOptions {
  port: number;
  dataDir: string;
  /** More `strom start` flags (`--config`, `--log-level`, ...). */
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/**
 * Embedded Strom as a separate process in its own process group, so a test can SIGKILL it the way
 * an operator's `kill -9` or the OOM killer would: no shutdown hook, no final checkpoint.
 */
export class BrokerProcess {
  private constructor(
    readonly options: BrokerProcessOptions,
    readonly child: ChildHandle,
  ) {}

  static async start(options: BrokerProcessOptions): Promise<BrokerProcess> {
    if (!existsSync(STROM_MAIN)) throw new Error(`${STROM_MAIN} is missing: build with npx tsc -b`);
    const child = startChild(
      process.execPath,
      [
        ...npmStartNodeFlags(REPO),
        STROM_MAIN,
        'start',
        '--port',
        String(options.port),
        '--admin-port',
        '0',
        '--data-dir',
        options.dataDir,
        ...(options.args ?? []),
      ],
      { timeoutMs: 3_600_000, env: options.env },
    );
    try {
      await child.waitFor(/ready \(embedded\)/, options.readyTimeoutMs ?? 60_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return new BrokerProcess(options, child);
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  /** SIGKILL to the whole process group; resolves once it is gone. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    const exit = await this.child.exited;
    if (exit.signal !== 'SIGKILL' && exit.code === null) throw new Error(`broker did not die of SIGKILL: ${JSON.stringify(exit.signal)}`);
  }

  /** SIGTERM, a clean shutdown; SIGKILL if it has not exited after `timeoutMs`. Resolves with the exit code. */
  async stop(timeoutMs = 30_000): Promise<number | null> {
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const exit = await this.child.exited;
    clearTimeout(timer);
    if (exit.code !== 0)
      throw new Error(`broker exited with ${exit.code ?? exit.signal} on SIGTERM:\n${tail(exit.stderr + exit.stdout, 20)}`);
    return exit.code;
  }

  /** What the broker printed so far (pino JSON lines). */
  output(): string {
    return this.child.stdoutSoFar();
  }
}
