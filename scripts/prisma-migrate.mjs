// Applies pending migrations in prisma/migrations to the Postgres at DATABASE_URL, recording
// them as `prisma migrate deploy` does (see docs/adr/0003).
import pg from 'pg';
import { applyMigrations } from '@strom/metadata-store';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('prisma:migrate: set DATABASE_URL to the Postgres to migrate');
  process.exit(2);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const applied = await applyMigrations({
    exec: async (sql) => void (await client.query(sql)),
    query: async (sql, params = []) => (await client.query(sql, params)).rows,
  });
  console.log(applied.length === 0 ? 'prisma:migrate: up to date' : `prisma:migrate: applied ${applied.join(', ')}`);
} finally {
  await client.end();
}
