import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { TEXTS, t } from '../../../../src/adapters/telegram/texts.js'
import { escapeHtml, splitText, visibleLength, shortenCaption } from '../../../../src/adapters/telegram/html.js'

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort()

test('every bot text exists in en, ru and uz with the same placeholders and balanced tags', () => {
  const keys = Object.keys(TEXTS.en) as Array<keyof typeof TEXTS.en>
  for (const language of ['ru', 'uz'] as const) {
    assert.deepEqual(Object.keys(TEXTS[language]).sort(), [...keys].sort(), `${language} has the same keys`)
    for (const key of keys) {
      const text = TEXTS[language][key]
      assert.ok(text.trim() !== '', `${language}.${key} is not empty`)
      assert.deepEqual(placeholders(text), placeholders(TEXTS.en[key]), `${language}.${key} placeholders`)
    }
  }
  for (const language of ['en', 'ru', 'uz'] as const) {
    for (const key of keys) {
      const text = TEXTS[language][key]
      for (const tag of ['b', 'i', 'code']) {
        assert.equal(text.split(`<${tag}>`).length, text.split(`</${tag}>`).length, `${language}.${key} <${tag}> is balanced`)
      }
    }
  }
})

test('t() escapes every inserted value', () => {
  assert.equal(t('en', 'supportReply', { text: '<b>&</b>' }), '💬 <b>Reply from the shop:</b>\n&lt;b&gt;&amp;&lt;/b&gt;')
  fc.assert(fc.property(fc.string(), (value) => {
    const out = t('en', 'orderLine', { orderId: value, total: '1', state: 'x' })
    return !/<(?!\/?b>)/.test(out.replace(/<\/?b>/g, ''))
  }))
})

test('escapeHtml leaves no markup character behind', () => {
  fc.assert(fc.property(fc.string(), (value) => {
    const escaped = escapeHtml(value)
    return !/[<>"]/.test(escaped) && !/&(?!amp;|lt;|gt;|quot;)/.test(escaped)
  }))
})

test('long texts are split below 4096 visible characters on line boundaries, keeping every line', () => {
  const lines = Array.from({ length: 900 }, (_, i) => `<b>#${1000 + i}</b> · ${escapeHtml('<tea> & more')} · line ${i}`)
  const parts = splitText(lines.join('\n'))
  assert.ok(parts.length > 1)
  for (const part of parts) assert.ok(visibleLength(part) <= 4096)
  assert.deepEqual(parts.join('\n').split('\n'), lines)
  const one = 'word '.repeat(2000).trim()
  const pieces = splitText(one)
  assert.ok(pieces.every((p) => visibleLength(p) <= 4096))
  assert.equal(pieces.join(' ').replace(/\s+/g, ' '), one)
  const caption = shortenCaption('x'.repeat(2000))
  assert.ok(visibleLength(caption) <= 1024 && caption.endsWith('…'))
})
