/**
 * Admin API tokens: made and revoked by `bozor token create|revoke` (directly, or through a
 * running server's control socket). The secret is shown once; only its hash is kept.
 *
 * @example
 * const made = await createToken({ store }, { name: 'ci', scope: 'write' })
 * await revokeToken({ store }, made.id)
 */
import { DomainError, validationError, type FieldError } from '../domain/shared/errors.js'

export type TokenScope = 'read' | 'write'

/** Where tokens live (src/adapters/postgres/admin-tokens.ts). */
export interface AdminTokenStore {
  create(input: { name: string, scope: TokenScope }): Promise<{ id: string, name: string, scope: TokenScope, token: string }>
  /** False when no live token has that id. */
  revoke(id: string): Promise<boolean>
}

/** A token's id as `bozor token create` prints it. */
export const TOKEN_ID_PATTERN = /^tok_[0-9a-f]{16}$/
export const TOKEN_NAME_MAX = 100

/** Makes a token; throws `ERR_VALIDATION` for an empty or long name or an unknown scope. */
export async function createToken (deps: { store: AdminTokenStore }, input: { name: string, scope: string }): Promise<{ id: string, name: string, scope: TokenScope, token: string }> {
  const name = input.name.trim()
  const errors: FieldError[] = []
  if (name === '' || name.length > TOKEN_NAME_MAX) errors.push({ field: 'name', message: `must be 1-${TOKEN_NAME_MAX} characters` })
  if (input.scope !== 'read' && input.scope !== 'write') errors.push({ field: 'scope', message: 'must be read or write' })
  if (errors.length > 0) throw validationError(errors)
  return await deps.store.create({ name, scope: input.scope as TokenScope })
}

/** Revokes a live token; `ERR_VALIDATION` for a malformed id, `ERR_TOKEN_NOT_FOUND` when no live token has it. */
export async function revokeToken (deps: { store: AdminTokenStore }, id: string): Promise<{ id: string }> {
  if (!TOKEN_ID_PATTERN.test(id)) throw validationError([{ field: 'id', message: 'must be a token id (tok_…)' }])
  if (!await deps.store.revoke(id)) throw new DomainError('ERR_TOKEN_NOT_FOUND', `no live token ${id}`, { tokenId: id })
  return { id }
}
