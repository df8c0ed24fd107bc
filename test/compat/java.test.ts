import { afterAll, beforeAll, describe } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import { javaDriver } from './drivers/java.js';
import type { ProcessDriver } from './drivers/line-protocol.js';
import { CODECS } from './support/model.js';
import { processClientScenarios } from './scenarios.js';

describe('Java kafka-clients (Producer, Consumer with assign, Admin) against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let java: ProcessDriver;

  beforeAll(async () => {
    java = await javaDriver(); // provisions and compiles before the broker shares this event loop
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => strom?.stop());

  processClientScenarios({ slug: 'java', driver: () => java, bootstrap: () => strom.bootstrap, codecs: () => CODECS });
});
