// The sandbox's small pure parts (issue 14): Telegram entities as HTML for the web chat's
// entries, the offset clock behind POST /sandbox/api/clock, and the start banner's lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { FakeClock } from '../../../src/domain/shared/clock.js'
import { entitiesToHtml } from '../../../src/sandbox/http/entities-html.js'
import { OffsetClock } from '../../../src/sandbox/offset-clock.js'
import { sandboxBanner } from '../../../src/compose/sandbox.js'
import { parseHtml } from '../../../src/sandbox/telegram/index.js'

test('entitiesToHtml: formatting entities become tags, text is escaped, crossing entities still nest', () => {
  assert.equal(entitiesToHtml('Hi Bob', [{ type: 'bold', offset: 3, length: 3 }]), 'Hi <b>Bob</b>')
  assert.equal(entitiesToHtml('a<b>&"c"', []), 'a&lt;b&gt;&amp;&quot;c&quot;')
  assert.equal(entitiesToHtml('link', [{ type: 'text_link', offset: 0, length: 4, url: 'https://x.example/?a=1&b="2"' }]), '<a href="https://x.example/?a=1&amp;b=&quot;2&quot;">link</a>')
  assert.equal(entitiesToHtml('abcd', [{ type: 'bold', offset: 0, length: 3 }, { type: 'italic', offset: 1, length: 3 }]), '<b>a</b><b><i>bc</i></b><i>d</i>')
  // entities beyond the text or of unknown types are left out
  assert.equal(entitiesToHtml('ab', [{ type: 'bold', offset: 1, length: 5 }, { type: 'mention', offset: 0, length: 1 }]), 'ab')
  // what the bot sends as HTML comes back as the same text
  const sent = '<b>Order #1042</b> is <i>created</i>: <code>UZS 49,000.00</code> 👋'
  const parsed = parseHtml(sent)
  assert.equal(entitiesToHtml(parsed.text, parsed.entities), sent)
})

test('OffsetClock: runs ahead of its base by what was advanced, forward only', () => {
  const base = new FakeClock(1_000_000)
  const clock = new OffsetClock(base)
  assert.equal(clock.now(), 1_000_000)
  clock.advance(3_600_000)
  base.advance(5)
  assert.equal(clock.now(), 4_600_005)
  assert.equal(clock.offsetMs, 3_600_000)
  assert.throws(() => clock.advance(0), RangeError)
  assert.throws(() => clock.advance(-1), RangeError)
  assert.throws(() => clock.advance(1.5), RangeError)
})

test('sandboxBanner: only the lines whose pages exist', () => {
  const banner = sandboxBanner({ publicUrl: 'http://localhost:3000/', adminToken: 'bzr_x', chat: false, apiDocs: false })
  assert.equal(banner, 'Bozor sandbox — no configuration needed\n  Admin API:          http://localhost:3000/api/v1   token: bzr_x\n')
  const later = sandboxBanner({ publicUrl: 'http://localhost:3000', adminToken: 'bzr_x', chat: true, apiDocs: true })
  assert.match(later, /Chat with the bot: {2}http:\/\/localhost:3000\/sandbox\/chat\n/)
  assert.match(later, /Admin API: {10}http:\/\/localhost:3000\/api\/docs {3}token: bzr_x/)
  const withDashboard = sandboxBanner({ publicUrl: 'http://localhost:3000', adminToken: 'bzr_x', chat: true, apiDocs: true, dashboardLink: 'http://localhost:3000/login?code=abc' })
  assert.equal(withDashboard.split('\n')[2], '  Dashboard:          http://localhost:3000/login?code=abc', 'between the chat and the API, as DESIGN.md prints it')
})
