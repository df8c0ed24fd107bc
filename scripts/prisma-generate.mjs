// Regenerates the committed Prisma client (libs/metadata-store/src/generated/prisma).
// `prisma generate` only checks that a schema engine exists; it never runs it, so any
// executable will do, and nothing is downloaded (see docs/adr/0003).
import { spawnSync } from 'node:child_process';

const result = spawnSync('prisma', ['generate', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  },
});
process.exit(result.status ?? 1);
