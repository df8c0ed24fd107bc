import swc from 'unplugin-swc';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * `npm run torture`: only the seeded crash trials, without the shared services of
 * test/global-setup.ts (Postgres, NATS, Temporal), which the trials do not use. Sources resolve
 * as in vitest.config.ts.
 */
const conditions = ['strom-source', ...defaultServerConditions];

export default defineConfig({
  plugins: [
    swc.vite({
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
    }),
  ],
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    root: import.meta.dirname,
    include: ['crash-trials.test.ts'],
    hookTimeout: 120_000,
  },
});
