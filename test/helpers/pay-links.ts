/**
 * Signed pay links in tests: apps built by buildTestApp and startBotApp sign with this key, so a
 * test can open `/pay/:orderId/:provider?t=` the way a customer's link does.
 */
import { signPayLink } from '../../src/compose/pay-links.js'

export const TEST_PAY_LINK_KEY = Buffer.from('bozor-test-pay-link-key-000000000')

/** The path of an order's signed pay link, e.g. `/pay/1042/payme?t=…`. */
export function payPath (orderId: string, provider: string): string {
  return `/pay/${orderId}/${provider}?t=${signPayLink(TEST_PAY_LINK_KEY, orderId)}`
}
