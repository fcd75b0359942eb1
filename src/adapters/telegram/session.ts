/**
 * The chat session: an explicit checkout state machine (specs/telegram.md §9 items 26–27),
 * stored through grammY's session API in the key-value store. A stored value of another
 * version, or one this code cannot read, is discarded and the customer told to start over.
 */

/** Bump when the shape below changes; older stored sessions are then discarded cleanly. */
export const SESSION_VERSION = 1

/** Where the customer is in the checkout; absent = not checking out. */
export type CheckoutState =
  | { step: 'quantity', productId: string }
  | { step: 'contact', productId: string, quantity: number }
  | { step: 'address', productId: string, quantity: number, phone: string, name?: string }
  | { step: 'provider', productId: string, quantity: number, phone?: string, name?: string, address?: string }

export interface BotSession {
  v: number
  checkout?: CheckoutState
  /** The next message goes to the shop's support chat. */
  support?: boolean
}

export function initialSession (): BotSession {
  return { v: SESSION_VERSION }
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 300
const isQuantity = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0

/** True when `value` is a checkout state this version understands. */
export function isCheckoutState (value: unknown): value is CheckoutState {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  if (!isString(s.productId)) return false
  switch (s.step) {
    case 'quantity': return true
    case 'contact': return isQuantity(s.quantity)
    case 'address': return isQuantity(s.quantity) && isString(s.phone)
    case 'provider': return isQuantity(s.quantity) && (s.phone === undefined || isString(s.phone)) && (s.address === undefined || isString(s.address))
    default: return false
  }
}

/**
 * Checks a stored session. `reset` is true when it came from another version or is damaged;
 * `session` is then a fresh one.
 */
export function checkSession (value: unknown): { session: BotSession, reset: boolean } {
  if (typeof value !== 'object' || value === null) return { session: initialSession(), reset: value !== undefined && value !== null }
  const s = value as Record<string, unknown>
  const ok = s.v === SESSION_VERSION &&
    (s.checkout === undefined || isCheckoutState(s.checkout)) &&
    (s.support === undefined || typeof s.support === 'boolean')
  if (!ok) return { session: initialSession(), reset: s.checkout !== undefined || s.v !== SESSION_VERSION }
  return { session: value as BotSession, reset: false }
}
