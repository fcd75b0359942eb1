import { isClickNumeric } from './click-amount.js'

/** A form-decoded Click request body (Fastify's formbody gives this shape). */
export type ClickForm = Readonly<Record<string, unknown>>

/** A Prepare or Complete request whose fields are all present and well-formed (raw strings kept). */
export interface ClickRequest {
  click_trans_id: string
  service_id: string
  click_paydoc_id: string
  merchant_trans_id: string
  /** Present (digits, < 2^53) when `action` is `"1"`. */
  merchant_prepare_id?: string
  amount: string
  action: string
  /** Click's `error`, parsed. */
  error: number
  error_note: string
  sign_time: string
  sign_string: string
}

export type ClickFormResult =
  | { ok: true, request: ClickRequest }
  | { ok: false, missing: string[] }

const DIGITS = /^\d{1,20}$/
const INTEGER = /^[+-]?\d{1,10}$/

/** A form value as a string; repeated fields and non-strings count as missing. */
function field (form: ClickForm, name: string): string | undefined {
  const value = form[name]
  return typeof value === 'string' ? value : undefined
}

/** Reads a raw `application/x-www-form-urlencoded` body. */
export function parseClickBody (raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(raw)) if (!(key in out)) out[key] = value
  return out
}

/** `click_trans_id` if it is a digit string (echoed in every answer), else null. */
export function clickTransIdOf (form: ClickForm): string | null {
  const id = field(form, 'click_trans_id')
  return id !== undefined && DIGITS.test(id) ? id : null
}

/**
 * Checks specs/click.md §6.1 step 1: ids digits-only, `action` and `error` integers,
 * `amount` numeric, `merchant_trans_id`, `sign_time`, `sign_string` present, and for
 * `action=1` a `merchant_prepare_id` (a safe integer: ours never exceed 2^53). Returns the
 * names of the offending fields otherwise (answer −8).
 */
export function parseClickForm (form: ClickForm): ClickFormResult {
  const bad: string[] = []
  const get = (name: string, test: (v: string) => boolean): string => {
    const value = field(form, name)
    if (value === undefined || !test(value)) bad.push(name)
    return value ?? ''
  }
  const nonEmpty = (v: string): boolean => v.length > 0
  const request: ClickRequest = {
    click_trans_id: get('click_trans_id', (v) => DIGITS.test(v)),
    service_id: get('service_id', (v) => DIGITS.test(v)),
    click_paydoc_id: get('click_paydoc_id', (v) => DIGITS.test(v)),
    merchant_trans_id: get('merchant_trans_id', nonEmpty),
    amount: get('amount', isClickNumeric),
    action: get('action', (v) => INTEGER.test(v)),
    error: Number(get('error', (v) => INTEGER.test(v))),
    error_note: field(form, 'error_note') ?? '',
    sign_time: get('sign_time', nonEmpty),
    sign_string: get('sign_string', nonEmpty)
  }
  if (request.action === '1') {
    request.merchant_prepare_id = get('merchant_prepare_id', (v) => DIGITS.test(v) && Number.isSafeInteger(Number(v)))
  }
  return bad.length > 0 ? { ok: false, missing: bad } : { ok: true, request }
}
