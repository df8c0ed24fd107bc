/** confluent-kafka-python and kafka-python, driven through test/fixtures/compat/python/. */
import { join } from 'node:path';
import { ensurePythonClients } from '@strom/testing';
import { runChild } from '../support/child-process.js';
import { FIXTURES, type Codec } from '../support/model.js';
import { lineDriver, parseOutput, type ProcessDriver } from './line-protocol.js';

/** The venv python with confluent-kafka and kafka-python. */
export function ensurePython(): string {
  return ensurePythonClients();
}

export function confluentDriver(): ProcessDriver {
  return lineDriver('confluent-kafka-python', ensurePythonClients(), [join(FIXTURES, 'python', 'confluent_compat.py')], {
    PYTHONDONTWRITEBYTECODE: '1',
  });
}

export function kafkaPythonDriver(): ProcessDriver & { codecs(): Promise<Codec[]> } {
  const python = ensurePythonClients();
  const script = join(FIXTURES, 'python', 'kafka_python_compat.py');
  const env = { PYTHONDONTWRITEBYTECODE: '1' };
  return {
    ...lineDriver('kafka-python', python, [script], env),
    codecs: async () => {
      const { stdout } = await runChild(python, [script, '-', 'codecs'], { timeoutMs: 30_000, env });
      return parseOutput(stdout).reports[0] as Codec[];
    },
  };
}
