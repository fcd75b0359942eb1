// Issue 14, part 3: the web chat's page, module and stylesheet, and `/` pointing at the chat, in
// sandbox mode, each under the CSP (nothing inline, nothing from another origin).
import { after, before, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { startSandbox, type Sandbox } from '../helpers/sandbox.js'

// one sandbox for the file: these tests only read
let sandbox: Sandbox
const cleanups: Array<() => unknown> = []
before(async () => { sandbox = await startSandbox({ after: (fn: () => unknown) => { cleanups.push(fn) } } as unknown as TestContext) })
after(async () => { for (const fn of cleanups.reverse()) await fn() })

test('the chat page, its module and stylesheet are served under the CSP, and / links to the chat', async () => {
  const { url, server } = sandbox
  assert.match(server.deps.sandbox?.banner ?? '', /Chat with the bot: {2}http:\/\/127\.0\.0\.1:\d+\/sandbox\/chat\n/)
  const page = await fetch(`${url}/sandbox/chat`)
  assert.equal(page.status, 200)
  assert.match(String(page.headers.get('content-type')), /^text\/html/)
  assert.match(String(page.headers.get('content-security-policy')), /script-src 'self'/)
  const html = await page.text()
  assert.doesNotMatch(html, /<style|<script>|\sstyle=|\son\w+=|https?:\/\//i, 'nothing inline and nothing from another origin')
  assert.match(html, /<script type="module" src="\/sandbox\/chat\/chat.js"><\/script>/)
  const js = await fetch(`${url}/sandbox/chat/chat.js`)
  assert.equal(js.status, 200)
  assert.match(String(js.headers.get('content-type')), /^text\/javascript/)
  assert.match(await js.text(), /new EventSource\('\/sandbox\/api\/users\/'/)
  const css = await fetch(`${url}/sandbox/chat/chat.css`)
  assert.equal(css.status, 200)
  assert.match(String(css.headers.get('content-type')), /^text\/css/)
  // `/` is the dashboard's (DESIGN.md): without a session it leads to the login page, which points at the chat in the sandbox
  const home = await fetch(`${url}/`)
  assert.equal(home.status, 200)
  assert.match(home.url, /\/login$/)
  assert.match(await home.text(), /<a href="\/sandbox\/chat">/)
})

test('fuzz: the chat\'s routes with any query answer 200 with their type, never 5xx', async () => {
  const { url } = sandbox
  await fc.assert(fc.asyncProperty(
    fc.constantFrom('/sandbox/chat', '/sandbox/chat/chat.js', '/sandbox/chat/chat.css', '/'),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 30 }), { maxKeys: 3 }),
    async (path, query) => {
      const res = await fetch(`${url}${path}?${new URLSearchParams(query).toString()}`)
      assert.equal(res.status, 200)
      assert.match(String(res.headers.get('content-type')), /^text\/(html|javascript|css)/)
      await res.arrayBuffer()
    }
  ), { seed: 1207, numRuns: 30 })
})
