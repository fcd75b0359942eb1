/**
 * The validator of the admin API's schemas (TypeBox's compiler): no type coercion of bodies (money
 * must be integers, never `"100"`), query and path strings converted to their schema's types, and
 * every text refused when it holds a NUL character or a lone UTF-16 surrogate (DESIGN.md: "Text
 * fields refuse NUL and lone surrogates"; PostgreSQL cannot store the one and mangles the other).
 * A failure lists every bad field (Fastify hands the list to the problems plugin).
 *
 * @example
 * app.setValidatorCompiler(compileStrictValidator)
 */
import type { FastifySchemaValidationError } from 'fastify'
import { Compile } from 'typebox/compile'
import { Value } from 'typebox/value'
import type { TSchema } from 'typebox'

/** A NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one. */
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/ // eslint-disable-line no-control-regex

/** True when `text` holds a NUL character or a lone surrogate. */
export function isBadText (text: string): boolean {
  return BAD_TEXT.test(text)
}

function pointerSegment (key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** Every string (and object key) of `value` that holds bad text, as validation errors. */
export function badTextErrors (value: unknown, at = '', found: FastifySchemaValidationError[] = [], depth = 0): FastifySchemaValidationError[] {
  if (found.length >= 20 || depth > 64) return found
  if (typeof value === 'string') {
    if (isBadText(value)) found.push({ keyword: 'text', instancePath: at, schemaPath: '#', params: {}, message: 'must not contain NUL characters or lone surrogates' })
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => badTextErrors(item, `${at}/${i}`, found, depth + 1))
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (isBadText(key)) found.push({ keyword: 'text', instancePath: at, schemaPath: '#', params: {}, message: 'has a field name with NUL characters or lone surrogates' })
      else badTextErrors(item, `${at}/${pointerSegment(key)}`, found, depth + 1)
    }
  }
  return found
}

type ValidationFn = ((data: unknown) => boolean | { value: unknown }) & { errors?: FastifySchemaValidationError[] }

/** Fastify's `setValidatorCompiler` for the admin scope. */
export function compileStrictValidator ({ schema, httpPart }: { schema: unknown, httpPart?: string }): ValidationFn {
  const check = Compile(schema as TSchema)
  const convert = httpPart === 'querystring' || httpPart === 'params'
  const fn: ValidationFn = (data) => {
    const value = convert ? Value.Convert(schema as TSchema, Value.Default(schema as TSchema, data ?? {})) : data
    const bad = badTextErrors(value)
    if (bad.length === 0 && check.Check(value)) return { value }
    const schemaErrors = bad.length > 0
      ? []
      : [...check.Errors(value)].filter((e) => e.keyword !== 'boolean')
          .map((e) => ({ keyword: e.keyword, instancePath: e.instancePath, schemaPath: e.schemaPath, params: e.params as Record<string, unknown>, message: e.message }))
    fn.errors = [...bad, ...schemaErrors]
    return false
  }
  return fn
}
