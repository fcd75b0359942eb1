import type { ClickOutcome, ClickRefusal } from '../../domain/payments/click-decisions.js'
import type { Clock } from '../../domain/shared/clock.js'
import type { ProviderAuditEntry } from '../../usecases/ports-audit.js'
import type { AuditedClickLedger } from '../../usecases/payments/click-ledger.js'
import type { AuditInTx } from '../../usecases/payments/ports.js'
import { parseClickAmount } from './click-amount.js'
import { CLICK_ERROR, type ClickErrorCode } from './click-errors.js'
import { clickTransIdOf, parseClickForm, type ClickForm } from './click-form.js'
import {
  completeAnswer, prepareAnswer, serializeClickAnswer, type ClickAnswer
} from './click-response.js'
import { isClickSignatureValid } from './click-sign.js'

export interface ClickDeps {
  ledger: AuditedClickLedger
  /** `CLICK_SERVICE_ID`. */
  serviceId: string
  /** `CLICK_SECRET_KEY`. */
  secretKey: string
  clock: Clock
  /** Called with an unexpected exception before answering −7 (log it there). */
  onError?: (error: unknown, context: { action: string, clickTransId: string | null }) => void
  /**
   * The call's audit row for an answer: given, the ledger writes it inside the call's own
   * transaction (one commit; {@link ClickReply.audited}).
   */
  audit?: { entryFor(answer: ClickAnswer): ProviderAuditEntry, secrets: readonly string[] }
}

/** The answer object and its JSON text (send `body` with HTTP 200, `application/json`). */
export interface ClickReply {
  answer: ClickAnswer
  body: string
  /**
   * True when the call was refused before it was trusted (fields unusable: −8 before the
   * signature check; a bad signature: −1): its audit keeps a capped summary (issue 19).
   */
  refused: boolean
  /** True for a bad signature (−1). */
  unauthenticated: boolean
  /** True when the ledger wrote the audit row in the call's own transaction. */
  audited: boolean
}

const REFUSAL_CODE: Readonly<Record<ClickRefusal, ClickErrorCode>> = {
  order_not_found: CLICK_ERROR.USER_NOT_FOUND,
  already_paid: CLICK_ERROR.ALREADY_PAID,
  cancelled: CLICK_ERROR.TRANSACTION_CANCELLED,
  amount_mismatch: CLICK_ERROR.INCORRECT_AMOUNT,
  attempt_not_found: CLICK_ERROR.TRANSACTION_NOT_FOUND
}

/** The Click error number of a core refusal. */
export function clickCodeOf (refusal: ClickRefusal): ClickErrorCode {
  return REFUSAL_CODE[refusal]
}

function reply (answer: ClickAnswer, flags: Partial<Pick<ClickReply, 'refused' | 'unauthenticated' | 'audited'>> = {}): ClickReply {
  return { answer, body: serializeClickAnswer(answer), refused: false, unauthenticated: false, audited: false, ...flags }
}

/**
 * Answers a Click SHOP API callback, Prepare or Complete, dispatching on `action`
 * (specs/click.md §6). Checks: fields (−8), signature (−1; Prepare formula unless
 * `action=1`), action (−3), `service_id` (−8); then the ledger (−5, −4, −9, −2, −6, or 0);
 * an exception in the ledger answers −7. The answer has the Complete shape when
 * `action=1`, the Prepare shape when `action=0`, and otherwise the shape of `route`.
 *
 * @example
 * const { body } = await handleClickRequest(request.body, { ledger, serviceId, secretKey, clock }, 'prepare')
 * reply.code(200).type('application/json').send(body)
 */
export async function handleClickRequest (form: ClickForm, deps: ClickDeps, route: 'prepare' | 'complete' = 'prepare'): Promise<ClickReply> {
  const action = typeof form.action === 'string' ? form.action : ''
  const complete = action === '1' || (action !== '0' && route === 'complete')
  const clickTransId = clickTransIdOf(form)
  const merchantTransId = typeof form.merchant_trans_id === 'string' ? form.merchant_trans_id : ''
  const failed = (code: ClickErrorCode, outcome?: ClickOutcome): ClickAnswer => {
    const record = outcome?.record ?? null
    return complete
      ? completeAnswer(clickTransId, merchantTransId, record?.confirmedAt != null ? record.prepareId : null, code)
      : prepareAnswer(clickTransId, merchantTransId, record?.prepareId ?? 0, code)
  }
  const fail = (code: ClickErrorCode, outcome?: ClickOutcome): ClickReply => reply(failed(code, outcome))

  const parsed = parseClickForm(form)
  if (!parsed.ok) return reply(failed(CLICK_ERROR.BAD_REQUEST), { refused: true })
  const req = parsed.request
  if (!isClickSignatureValid(req, req.sign_string, deps.secretKey)) return reply(failed(CLICK_ERROR.SIGN_CHECK_FAILED), { refused: true, unauthenticated: true })
  if (req.action !== '0' && req.action !== '1') return fail(CLICK_ERROR.ACTION_NOT_FOUND)
  if (req.service_id !== deps.serviceId) return fail(CLICK_ERROR.BAD_REQUEST)

  const amount = parseClickAmount(req.amount)
  const tiyin = amount.ok ? amount.tiyin : null
  const now = deps.clock.now()
  const answerOf = (outcome: ClickOutcome): ClickAnswer => {
    if (!outcome.ok) return failed(clickCodeOf(outcome.refusal), outcome)
    return complete
      ? completeAnswer(clickTransId, merchantTransId, outcome.record.prepareId, CLICK_ERROR.SUCCESS)
      : prepareAnswer(clickTransId, merchantTransId, outcome.record.prepareId, CLICK_ERROR.SUCCESS)
  }
  let audited = false
  const audit: AuditInTx<ClickOutcome> | undefined = deps.audit === undefined
    ? undefined
    : { secrets: deps.audit.secrets, entry: (outcome) => { audited = true; return (deps.audit as NonNullable<ClickDeps['audit']>).entryFor(answerOf(outcome)) } }
  let outcome: ClickOutcome
  try {
    outcome = req.action === '0'
      ? await deps.ledger.prepare({ clickTransId: req.click_trans_id, clickPaydocId: req.click_paydoc_id, orderId: req.merchant_trans_id, amount: tiyin, rawAmount: req.amount, clickError: req.error, now }, audit)
      : await deps.ledger.complete({ clickTransId: req.click_trans_id, orderId: req.merchant_trans_id, prepareId: Number(req.merchant_prepare_id), amount: tiyin, rawAmount: req.amount, clickError: req.error, now }, audit)
  } catch (error) {
    deps.onError?.(error, { action: req.action, clickTransId })
    return fail(CLICK_ERROR.FAILED_TO_UPDATE)
  }
  return reply(answerOf(outcome), { audited })
}

/** `POST /payments/click/prepare`: {@link handleClickRequest} with the Prepare shape as fallback. */
export function handleClickPrepare (form: ClickForm, deps: ClickDeps): Promise<ClickReply> {
  return handleClickRequest(form, deps, 'prepare')
}

/** `POST /payments/click/complete`: {@link handleClickRequest} with the Complete shape as fallback. */
export function handleClickComplete (form: ClickForm, deps: ClickDeps): Promise<ClickReply> {
  return handleClickRequest(form, deps, 'complete')
}
