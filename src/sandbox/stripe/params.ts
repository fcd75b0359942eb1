import { invalidRequest, missingParameter, unknownParameter } from './errors.js'
import type { FormValue } from './form.js'

/** One parameter of an endpoint: its kind and whether it is required. */
export interface FieldSpec {
  kind: 'string' | 'integer' | 'boolean' | 'metadata' | 'any' | 'enum' | 'object' | 'array'
  required?: boolean
  values?: readonly string[]
  fields?: Record<string, FieldSpec>
  items?: FieldSpec
}

/** Builders for {@link FieldSpec}; `required` makes a missing value a `parameter_missing` error. */
export const p = {
  string: (required = false): FieldSpec => ({ kind: 'string', required }),
  integer: (required = false): FieldSpec => ({ kind: 'integer', required }),
  boolean: (required = false): FieldSpec => ({ kind: 'boolean', required }),
  metadata: (): FieldSpec => ({ kind: 'metadata' }),
  any: (): FieldSpec => ({ kind: 'any' }),
  enum: (values: readonly string[], required = false): FieldSpec => ({ kind: 'enum', values, required }),
  object: (fields: Record<string, FieldSpec>, required = false): FieldSpec => ({ kind: 'object', fields, required }),
  array: (items: FieldSpec, required = false): FieldSpec => ({ kind: 'array', items, required })
}

/** `expand[]` is accepted by every endpoint. */
export const EXPAND = p.array(p.string())

function name (prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}[${key}]`
}

function isEmpty (value: FormValue | undefined): boolean {
  return value === undefined || value === ''
}

function checkMetadata (value: FormValue, param: string): Record<string, string> {
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid object', param, 'parameter_invalid_object')
  const out: Record<string, string> = {}
  for (const [key, raw] of Object.entries(value)) {
    if (typeof raw !== 'string') throw invalidRequest(`Invalid string: metadata values must be strings (${key})`, `${param}[${key}]`)
    if (key.length > 40) throw invalidRequest(`Metadata keys can have up to 40 characters. Your key \`${key}\` is ${key.length} characters long.`, param)
    if (raw.length > 500) throw invalidRequest(`Metadata values can have up to 500 characters, but you passed in a value that is ${raw.length} characters. Invalid value: ${raw.slice(0, 20)}…`, `${param}[${key}]`)
    if (raw !== '') out[key] = raw
  }
  if (Object.keys(out).length > 50) throw invalidRequest('Invalid metadata: metadata can have up to 50 keys, but you passed in more than 50 keys.', param)
  return out
}

function checkValue (spec: FieldSpec, value: FormValue, param: string): unknown {
  switch (spec.kind) {
    case 'any': return value
    case 'metadata': return checkMetadata(value, param)
    case 'string':
      if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, param, 'parameter_invalid_string')
      return value
    case 'integer':
      if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${String(value)}`, param, 'parameter_invalid_integer')
      return Number(value)
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${String(value)}`, param)
      return value === 'true'
    case 'enum':
      if (typeof value !== 'string' || !(spec.values ?? []).includes(value)) {
        throw invalidRequest(`Invalid ${param}: must be one of ${(spec.values ?? []).join(', ')}`, param)
      }
      return value
    case 'array':
      if (!Array.isArray(value)) throw invalidRequest('Invalid array', param, 'parameter_invalid_array')
      return value.map((item, i) => checkValue(spec.items ?? p.any(), item, `${param}[${i}]`))
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('Invalid object', param, 'parameter_invalid_object')
      return checkObject(spec.fields ?? {}, value, param)
  }
}

function checkObject (fields: Record<string, FieldSpec>, value: { [key: string]: FormValue }, prefix: string): Record<string, unknown> {
  for (const key of Object.keys(value)) {
    if (!(key in fields)) throw unknownParameter(name(prefix, key))
  }
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(fields)) {
    const raw = value[key]
    if (isEmpty(raw)) {
      if (spec.required === true) throw missingParameter(name(prefix, key))
      continue
    }
    out[key] = checkValue(spec, raw as FormValue, name(prefix, key))
  }
  return out
}

/**
 * Validates decoded parameters against an endpoint's fields the way Stripe does: unknown →
 * `parameter_unknown`, missing required → `parameter_missing`, wrong type → `parameter_invalid_*`.
 * Integers and booleans come back as numbers and booleans; empty strings count as absent.
 */
export function validateParams (fields: Record<string, FieldSpec>, params: Record<string, FormValue>): Record<string, unknown> {
  return checkObject({ ...fields, expand: EXPAND }, params, '')
}
