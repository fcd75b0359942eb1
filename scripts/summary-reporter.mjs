// Counts leaf tests (suites excluded) across the run and writes one JSON summary at the end,
// which scripts/run-tests.ts folds into the closing `N passed, N failed` line. The summary also
// holds each file's time (its top-level tests' durations summed), which the runner keeps to
// start the slowest files first next time. Plain JS:
// the runner loads reporters before any --import hook, so it cannot be TypeScript.
import { writeFileSync } from 'node:fs'

export default async function * summaryReporter (source) {
  let passed = 0
  let failed = 0
  let skipped = 0
  const failures = []
  const durations = {}
  for await (const event of source) {
    const data = event.data
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (data.nesting === 0 && data.file !== undefined) durations[data.file] = (durations[data.file] ?? 0) + (data.details?.duration_ms ?? 0)
    if (data.details?.type === 'suite') continue
    if (event.type === 'test:pass') {
      if (data.skip !== undefined || data.todo !== undefined) skipped++
      else passed++
    } else {
      failed++
      failures.push(`${data.file ?? '?'} › ${data.name}`)
    }
  }
  const out = process.env.BOZOR_SUMMARY_FILE
  if (out) writeFileSync(out, JSON.stringify({ passed, failed, skipped, failures, durations }))
  yield ''
}
