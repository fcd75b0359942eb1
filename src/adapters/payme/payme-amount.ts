import { DomainError } from '../../domain/shared/errors.js'
import { money, type Money } from '../../domain/shared/money.js'

/**
 * The one place money crosses Payme's edge. Payme counts tiyin, which is already Bozor's
 * internal unit for UZS, so the conversion is the identity plus checks.
 */
export function toPaymeAmount (amount: Money): number {
  if (amount.currency !== 'UZS') {
    throw new DomainError('ERR_PAYMENT_PROVIDER_NOT_OFFERED', `Payme takes UZS only, not ${amount.currency}`, { provider: 'payme', currency: amount.currency })
  }
  if (!Number.isSafeInteger(amount.amount) || amount.amount <= 0) {
    throw new DomainError('ERR_MONEY_AMOUNT', 'A Payme amount is a positive whole number of tiyin', { provider: 'payme' })
  }
  return amount.amount
}

/** Payme's `amount` (tiyin) as Money. */
export function fromPaymeAmount (tiyin: number): Money {
  return money(tiyin, 'UZS')
}

/** True for a valid Payme amount: a positive safe integer of tiyin. */
export function isPaymeAmount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}
