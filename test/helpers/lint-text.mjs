// Lints pieces of code as if they were files of the project, with the project's own ESLint
// configuration, and prints each one's `no-restricted-imports` messages as JSON. Run with plain
// node (ESLint's own module resolution does not load under tsx): stdin
// `[{ "filePath": "src/jobs/x.ts", "code": "..." }]`, stdout `[["message", ...], ...]`.
import { ESLint } from 'eslint'
import { join } from 'node:path'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const eslint = new ESLint({ cwd: join(import.meta.dirname, '../..') })
const out = []
for (const { filePath, code } of cases) {
  const [result] = await eslint.lintText(code, { filePath })
  out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message))
}
process.stdout.write(JSON.stringify(out))
