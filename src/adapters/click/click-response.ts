import { clickErrorNote, type ClickErrorCode } from './click-errors.js'

/** Prepare answer (specs/click.md §4): always all five fields. */
export interface ClickPrepareAnswer {
  /** Echoed digit-for-digit as a JSON number token; `null` when missing or not digits. */
  click_trans_id: string | null
  merchant_trans_id: string
  /** Our record id, or 0 on an error before one exists. */
  merchant_prepare_id: number
  error: ClickErrorCode
  error_note: string
}

/** Complete answer (specs/click.md §4): always all five fields. */
export interface ClickCompleteAnswer {
  click_trans_id: string | null
  merchant_trans_id: string
  /** Our record id once confirmed, else `null`. */
  merchant_confirm_id: number | null
  error: ClickErrorCode
  error_note: string
}

export type ClickAnswer = ClickPrepareAnswer | ClickCompleteAnswer

export function prepareAnswer (clickTransId: string | null, merchantTransId: string, prepareId: number, error: ClickErrorCode): ClickPrepareAnswer {
  return { click_trans_id: clickTransId, merchant_trans_id: merchantTransId, merchant_prepare_id: prepareId, error, error_note: clickErrorNote(error) }
}

export function completeAnswer (clickTransId: string | null, merchantTransId: string, confirmId: number | null, error: ClickErrorCode): ClickCompleteAnswer {
  return { click_trans_id: clickTransId, merchant_trans_id: merchantTransId, merchant_confirm_id: confirmId, error, error_note: clickErrorNote(error) }
}

/**
 * JSON of an answer, written by hand so that `click_trans_id` (64-bit) is copied
 * digit-for-digit as a number token, never through a double (specs/click.md §9).
 *
 * @example
 * serializeClickAnswer(prepareAnswer('2387417364', '1042', 77, 0))
 * // '{"click_trans_id":2387417364,"merchant_trans_id":"1042","merchant_prepare_id":77,"error":0,"error_note":"Success"}'
 */
export function serializeClickAnswer (answer: ClickAnswer): string {
  const id = answer.click_trans_id !== null && /^\d+$/.test(answer.click_trans_id) ? answer.click_trans_id.replace(/^0+(?=\d)/, '') : 'null'
  const second = 'merchant_prepare_id' in answer
    ? `"merchant_prepare_id":${JSON.stringify(answer.merchant_prepare_id)}`
    : `"merchant_confirm_id":${JSON.stringify(answer.merchant_confirm_id)}`
  return `{"click_trans_id":${id},"merchant_trans_id":${JSON.stringify(answer.merchant_trans_id)},${second},"error":${answer.error},"error_note":${JSON.stringify(answer.error_note)}}`
}
