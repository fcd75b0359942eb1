/** A decoded Stripe form body or query string: nested objects, arrays and string leaves. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue }
export type FormParams = Record<string, FormValue>

function splitKey (key: string): string[] {
  const open = key.indexOf('[')
  if (open <= 0) return [key]
  const parts = [key.slice(0, open)]
  for (const match of key.slice(open).matchAll(/\[([^\]]*)\]/g)) parts.push(match[1] ?? '')
  return parts
}

type Node = { [key: string]: Node | string }

function assign (root: Node, parts: string[], value: string): void {
  let node = root
  for (let i = 0; i < parts.length - 1; i++) {
    let part = parts[i] as string
    if (part === '') part = String(Object.keys(node).length)
    const next = node[part]
    if (typeof next === 'object') node = next
    else {
      const created: Node = {}
      node[part] = created
      node = created
    }
  }
  let last = parts[parts.length - 1] as string
  if (last === '') last = String(Object.keys(node).length)
  node[last] = value
}

/** Objects whose keys are all indices (`a[0]`, `a[]`) become arrays, in index order. */
function normalise (node: Node | string): FormValue {
  if (typeof node === 'string') return node
  const keys = Object.keys(node)
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => normalise(node[String(k)] as Node | string))
  }
  const out: { [key: string]: FormValue } = {}
  for (const key of keys) out[key] = normalise(node[key] as Node | string)
  return out
}

/**
 * Decodes Stripe's bracket notation (`line_items[0][price_data][unit_amount]=1000`,
 * `expand[]=line_items`, `metadata[order_id]=42`) into nested values.
 *
 * @example
 * decodeForm('metadata[a]=1&expand[0]=x') // { metadata: { a: '1' }, expand: ['x'] }
 */
export function decodeForm (text: string): FormParams {
  const root: Node = {}
  for (const [key, value] of new URLSearchParams(text)) assign(root, splitKey(key), value)
  return normalise(root) as FormParams
}

/** Stable JSON of decoded parameters, used to compare idempotent requests. */
export function canonicalParams (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalParams((value as Record<string, unknown>)[k])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value)
}
