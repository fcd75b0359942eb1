// Redis glob-style matching (the MATCH of SCAN) for the memory store: `*`, `?`, `[abc]`,
// `[^a]`, `[a-z]` and `\x` escapes, case-sensitive, over the whole key.

// Escapes valid in a `u` RegExp: outside a class, and inside one (where `-` and `^` matter).
const SPECIAL = /[.*+?^${}()|[\]\\/]/g
const CLASS_SPECIAL = /[\\\][^-]/g

function literal (ch: string): string {
  return ch.replace(SPECIAL, '\\$&')
}

function classLiteral (ch: string): string {
  return ch.replace(CLASS_SPECIAL, '\\$&')
}

/**
 * Compiles a Redis glob pattern to an anchored RegExp.
 *
 * @example globToRegExp('p:c:product:*').test('p:c:product:42') // true
 */
export function globToRegExp (pattern: string): RegExp {
  const chars = Array.from(pattern)
  let out = '^'
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!
    if (ch === '*') {
      out += '[\\s\\S]*'
    } else if (ch === '?') {
      out += '[\\s\\S]'
    } else if (ch === '\\' && i + 1 < chars.length) {
      out += literal(chars[++i]!)
    } else if (ch === '[') {
      const end = closingBracket(chars, i)
      if (end === -1) {
        out += literal(ch)
        continue
      }
      out += bracketClass(chars.slice(i + 1, end))
      i = end
    } else {
      out += literal(ch)
    }
  }
  return new RegExp(out + '$', 'u')
}

function closingBracket (chars: readonly string[], open: number): number {
  for (let j = open + 1; j < chars.length; j++) {
    if (chars[j] === '\\') j++
    else if (chars[j] === ']') return j
  }
  return -1
}

function bracketClass (body: readonly string[]): string {
  let negate = false
  let i = 0
  if (body[0] === '^') {
    negate = true
    i = 1
  }
  let out = ''
  for (; i < body.length; i++) {
    let ch = body[i]!
    if (ch === '\\' && i + 1 < body.length) ch = body[++i]!
    if (body[i + 1] === '-' && i + 2 < body.length) {
      let to = body[i + 2]!
      i += 2
      if (to === '\\' && i + 1 < body.length) to = body[++i]!
      const [lo, hi] = ch <= to ? [ch, to] : [to, ch]
      out += `${classLiteral(lo)}-${classLiteral(hi)}`
    } else {
      out += classLiteral(ch)
    }
  }
  if (out === '') return negate ? '[\\s\\S]' : '(?!)'
  return `[${negate ? '^' : ''}${out}]`
}
