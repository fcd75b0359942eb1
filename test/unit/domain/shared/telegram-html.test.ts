// The broadcast HTML check (decision 0035): a broadcast's text is checked as Telegram HTML before
// it is stored, so thousands of copies are never refused one by one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { telegramHtmlProblem } from '../../../../src/domain/shared/telegram-html.js'
import { escapeHtml } from '../../../../src/adapters/telegram/html.js'

test('text Telegram parses passes: known tags nested, attributes, the entities HTML mode knows', () => {
  for (const ok of [
    'plain words',
    '<b>Autumn sale</b>: everything −20 % this week',
    '<b>bold <i>and italic</i></b> <u>u</u> <s>s</s> <tg-spoiler>hidden</tg-spoiler>',
    '<a href="https://example.com/?a=1&amp;b=2">a link</a>',
    '<span class="tg-spoiler">spoiler</span> <code>x &lt; y</code> <pre>1 &gt; 0</pre>',
    '<blockquote>quoted</blockquote> &quot;quoted&quot; &#8364; &#x20AC; &amp;',
    '<B>upper-case tags</B>'
  ]) assert.equal(telegramHtmlProblem(ok), undefined, ok)
})

test('text Telegram would refuse is named with the first problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['1 < 2', /"<" that starts no tag/],
    ['fish & chips', /"&" that starts no entity/],
    ['&nbsp;price', /entity &nbsp;/],
    ['<div>block</div>', /tag <div>/],
    ['<script>alert(1)</script>', /tag <script>/],
    ['<b><i>crossed</b></i>', /closes <b>/],
    ['</b>closing first', /closes <b>/],
    ['<b>never closed', /leaves <b> open/],
    ['<b><i>two open</i>', /leaves <b> open/]
  ]
  for (const [text, problem] of cases) assert.match(telegramHtmlProblem(text) ?? 'passed', problem, text)
})

test('any text escaped and wrapped in known tags passes; an unescaped "<" or "&" never does (fixed seed)', () => {
  const tag = fc.constantFrom('b', 'i', 'u', 's', 'code', 'tg-spoiler', 'blockquote')
  fc.assert(fc.property(fc.string(), fc.array(tag, { maxLength: 4 }), (text, tags) => {
    const html = tags.reduceRight((inner, name) => `<${name}>${inner}</${name}>`, escapeHtml(text))
    assert.equal(telegramHtmlProblem(html), undefined, html)
  }), { seed: 16, numRuns: 300 })
  fc.assert(fc.property(fc.string(), fc.constantFrom('< ', '& ', '<<'), fc.string(), (before, bad, after) => {
    assert.notEqual(telegramHtmlProblem(escapeHtml(before) + bad + escapeHtml(after)), undefined)
  }), { seed: 16, numRuns: 300 })
})
