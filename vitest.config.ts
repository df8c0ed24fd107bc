import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import swc from 'unplugin-swc';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Every package is a vitest project; tests live in <package>/test/. Sources of other
// workspace packages are resolved through the `strom-source` export condition, so tests run
// on TypeScript directly (tsc -b output is for `npm start`).
const packages = ['libs', 'apps'].flatMap((group) =>
  readdirSync(group, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(group, entry.name)),
);

const conditions = ['strom-source', ...defaultServerConditions];

// vitest's default esbuild transform drops decorator metadata, which NestJS DI needs.
const swcPlugin = () =>
  swc.vite({
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
  });

export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // Real services (PGlite boot, Postgres, NATS, Temporal) on a 2-core machine: generous bounds.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      ...packages.map((dir) => ({
        extends: true as const,
        plugins: [swcPlugin()],
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: conditions } },
        test: { name: dir.split('/')[1], root: dir, include: ['test/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        plugins: [swcPlugin()],
        resolve: { conditions },
        ssr: { resolve: { conditions, externalConditions: conditions } },
        test: { name: 'e2e', root: 'test', include: ['**/*.test.ts'], exclude: ['fixtures/**'] },
      },
    ],
  },
});
