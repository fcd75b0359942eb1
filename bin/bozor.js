#!/usr/bin/env node
// The `bozor` command, run in this process (no child: a SIGTERM reaches the server itself, which
// drains and exits 0; DESIGN.md "Running in production"). From a checkout it loads the TypeScript
// source through tsx's loader; an installation without the source (a production image that copies
// only `dist/`) runs the compiled `dist/cli.js`.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'src', 'cli.ts')
const compiled = join(root, 'dist', 'cli.js')

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(pathToFileURL(source).href)
} else if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href)
} else {
  process.stderr.write(`bozor: neither ${source} nor ${compiled} is here; run npm run build\n`)
  process.exit(1)
}
