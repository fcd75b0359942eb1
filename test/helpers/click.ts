/**
 * Click's SHOP API callbacks as Click sends them (specs/click.md): the form fields of a Prepare
 * or Complete, signed with the service's secret key.
 */
import { clickSignString, type ClickSignFields } from '../../src/adapters/click/click-sign.js'

export interface ClickCallback {
  route: 'prepare' | 'complete'
  orderId: string
  /** So'm with two decimals, as Click sends it, e.g. `125000.00`. */
  amount: string
  serviceId: string
  secret: string
  clickTransId: string
  paydocId: string
  /** Complete only: our `merchant_prepare_id` from the Prepare answer. */
  prepareId?: number
  /** Click's own status: `0`, or negative when the payment failed on Click's side. */
  error?: string
  signTime?: string
}

/** The signed form body (`application/x-www-form-urlencoded`). */
export function clickForm (c: ClickCallback): string {
  const fields = {
    click_trans_id: c.clickTransId,
    service_id: c.serviceId,
    click_paydoc_id: c.paydocId,
    merchant_trans_id: c.orderId,
    amount: c.amount,
    action: c.route === 'prepare' ? '0' : '1',
    error: c.error ?? '0',
    error_note: 'Success',
    sign_time: c.signTime ?? '2026-01-01 15:00:00'
  } as Record<string, string> & ClickSignFields
  if (c.prepareId !== undefined) fields.merchant_prepare_id = String(c.prepareId)
  fields.sign_string = clickSignString(fields, c.secret)
  return new URLSearchParams(fields).toString()
}

export const CLICK_FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' }
