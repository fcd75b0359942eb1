/**
 * Error numbers the merchant returns to Click, with Click's canonical `error_note` texts
 * (specs/click.md §5). The one table of this adapter (STYLE R10).
 */
export const CLICK_ERROR = {
  SUCCESS: 0,
  SIGN_CHECK_FAILED: -1,
  INCORRECT_AMOUNT: -2,
  ACTION_NOT_FOUND: -3,
  ALREADY_PAID: -4,
  USER_NOT_FOUND: -5,
  TRANSACTION_NOT_FOUND: -6,
  FAILED_TO_UPDATE: -7,
  BAD_REQUEST: -8,
  TRANSACTION_CANCELLED: -9
} as const

export type ClickErrorCode = (typeof CLICK_ERROR)[keyof typeof CLICK_ERROR]

export const CLICK_ERRORS: Readonly<Record<ClickErrorCode, { note: string, when: string }>> = {
  0: { note: 'Success', when: 'accepted' },
  [-1]: { note: 'SIGN CHECK FAILED!', when: 'signature mismatch' },
  [-2]: { note: 'Incorrect parameter amount', when: 'amount differs from the order or the prepared payment, or is not a valid money amount' },
  [-3]: { note: 'Action not found', when: 'action is not 0 or 1' },
  [-4]: { note: 'Already paid', when: 'the payment or order was already confirmed' },
  [-5]: { note: 'User does not exist', when: 'no order for merchant_trans_id' },
  [-6]: { note: 'Transaction does not exist', when: 'no prepared payment for merchant_prepare_id, or it belongs to another order or attempt' },
  [-7]: { note: 'Failed to update user', when: 'the merchant failed to update its records' },
  [-8]: { note: 'Error in request from click', when: 'required parameters missing or malformed, or a foreign service_id' },
  [-9]: { note: 'Transaction cancelled', when: 'the payment was cancelled earlier, or Click asks to cancel it now' }
}

/** Click's `error_note` for `code`. */
export function clickErrorNote (code: ClickErrorCode): string {
  return CLICK_ERRORS[code].note
}
