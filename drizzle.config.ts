import { defineConfig } from 'drizzle-kit'

// `npx drizzle-kit generate` (npm run db:generate) writes a new SQL migration into migrations/
// from the schema. Review it like code before committing: the same files run on PGlite and
// PostgreSQL (src/adapters/postgres/database.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/adapters/postgres/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true
})
