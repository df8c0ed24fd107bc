import { afterAll, beforeAll, describe } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import type { ProcessDriver } from './drivers/line-protocol.js';
import { confluentDriver, kafkaPythonDriver } from './drivers/python.js';
import { CODECS, type Codec } from './support/model.js';
import { processClientScenarios } from './scenarios.js';

describe('Python clients against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let confluent: ProcessDriver;
  let kafkaPython: ReturnType<typeof kafkaPythonDriver>;
  let kafkaPythonCodecs: Codec[];

  beforeAll(async () => {
    confluent = confluentDriver();
    kafkaPython = kafkaPythonDriver();
    kafkaPythonCodecs = await kafkaPython.codecs();
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => strom?.stop());

  describe('confluent-kafka-python (librdkafka)', () => {
    processClientScenarios({ slug: 'confluent', driver: () => confluent, bootstrap: () => strom.bootstrap, codecs: () => CODECS });
  });

  // kafka-python compresses with optional Python packages (python-snappy, lz4, zstandard) that the
  // pinned venv does not have: the matrix covers the codecs this install can use (none, gzip here).
  describe('kafka-python', () => {
    processClientScenarios({
      slug: 'kafka-python',
      driver: () => kafkaPython,
      bootstrap: () => strom.bootstrap,
      codecs: () => kafkaPythonCodecs,
    });
  });
});
