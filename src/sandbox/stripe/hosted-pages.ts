import { completeSessionFor, payCheckoutSession, sweepExpiredSessions } from './checkout-sessions.js'
import { formatAmount } from './currency.js'
import { EmulatorError } from './errors.js'
import { finishAuthentication } from './payment-intents.js'
import type { EmulatorState, StripeObject } from './state.js'

/** An answer of the hosted pages: HTML or a redirect. */
export interface PageResponse { status: number, headers: Record<string, string>, body: string }

/** The test cards offered on the hosted page, in order. */
export const CHECKOUT_BUTTONS: ReadonlyArray<[label: string, paymentMethod: string]> = [
  ['Pay with Visa', 'pm_card_visa'],
  ['Declined card', 'pm_card_chargeDeclined'],
  ['Insufficient funds', 'pm_card_chargeDeclinedInsufficientFunds'],
  ['Expired card', 'pm_card_chargeDeclinedExpiredCard'],
  ['3-D Secure card', 'pm_card_authenticationRequired'],
  ['Bank debit (delayed)', 'pm_delayed_success']
]

function esc (text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function page (status: number, title: string, inner: string): PageResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="/assets/bozor.css"></head>
<body><p class="note">Bozor sandbox · Stripe test mode</p><h1>${esc(title)}</h1>${inner}</body></html>`
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, body }
}

function redirect (location: string): PageResponse {
  return { status: 303, headers: { location }, body: '' }
}

function successTarget (state: EmulatorState, session: StripeObject): string {
  const url = session.success_url as string | null
  return url === null ? state.hostedUrl(`/checkout/${session.id}`) : url.replaceAll('{CHECKOUT_SESSION_ID}', session.id)
}

function checkoutPage (state: EmulatorState, session: StripeObject, status = 200, error?: string): PageResponse {
  const total = formatAmount(session.amount_total as number, session.currency as string)
  if (session.status === 'complete') {
    const done = session.payment_status === 'paid' ? 'Your payment was received.' : 'Your payment is processing; you will be notified when it clears.'
    return page(200, 'Payment complete', `<p id="status">${done}</p><p>Total: ${esc(total)}</p><p><a href="${esc(successTarget(state, session))}">Continue</a></p>`)
  }
  if (session.status === 'expired') return page(410, 'Checkout expired', '<p id="status">This checkout session has expired. Return to the shop to start again.</p>')
  const items = (state.sessionExtras.get(session.id)?.lineItems ?? [])
    .map((item) => `<tr><td>${esc(item.name)} × ${item.quantity}</td><td>${esc(formatAmount(item.unitAmount * item.quantity, item.currency))}</td></tr>`).join('')
  const buttons = CHECKOUT_BUTTONS.map(([label, pm]) =>
    `<form method="post" action="${esc(state.hostedUrl(`/checkout/${session.id}/pay`))}"><input type="hidden" name="payment_method" value="${pm}"><button type="submit">${esc(label)}</button></form>`).join('')
  const cancel = session.cancel_url === null ? '' : `<p><a href="${esc(session.cancel_url as string)}">Back</a></p>`
  const err = error === undefined ? '' : `<p class="error" role="alert">${esc(error)}</p>`
  return page(status, 'Checkout', `<table>${items}<tr class="total"><td>Total</td><td id="total">${esc(total)}</td></tr></table>${err}${buttons}${cancel}`)
}

function authPage (state: EmulatorState, intent: StripeObject): PageResponse {
  if (intent.status !== 'requires_action') return page(200, 'Authentication', `<p id="status">Nothing to authenticate (status ${esc(String(intent.status))}).</p>`)
  const form = (outcome: string, label: string): string =>
    `<form method="post" action="${esc(state.hostedUrl(`/3ds/${intent.id}`))}"><input type="hidden" name="outcome" value="${outcome}"><button type="submit">${label}</button></form>`
  return page(200, '3-D Secure authentication', `<p>Amount: ${esc(formatAmount(intent.amount as number, intent.currency as string))}</p>${form('approve', 'Complete authentication')}${form('fail', 'Fail authentication')}`)
}

/**
 * Serves the emulator-hosted pages: the Checkout page (`/checkout/:id`), its submit
 * (`POST /checkout/:id/pay`, form field `payment_method`) and the 3-D Secure page (`/3ds/:pi`).
 * Returns `undefined` for paths it does not own.
 */
export function handleHostedPage (state: EmulatorState, input: { method: string, path: string, form: URLSearchParams },
  onDelayed: (sessionId: string) => void): PageResponse | undefined {
  const checkout = /^\/checkout\/([A-Za-z0-9_]+)(\/pay|\/return)?$/.exec(input.path)
  if (checkout !== null) {
    sweepExpiredSessions(state)
    const session = state.sessions.get(checkout[1] as string)
    if (session === undefined) return page(404, 'Not found', '<p id="status">No such checkout session.</p>')
    if (checkout[2] === '/return') return session.status === 'complete' ? redirect(successTarget(state, session)) : checkoutPage(state, session)
    if (checkout[2] !== '/pay' || input.method !== 'POST' || session.status !== 'open') return checkoutPage(state, session)
    try {
      const result = payCheckoutSession(state, session, input.form.get('payment_method') ?? 'pm_card_visa')
      if (!result.ok) return checkoutPage(state, session, 402, result.error.message)
      if (result.intent.status === 'requires_action') return redirect(state.hostedUrl(`/3ds/${result.intent.id}`))
      if (result.intent.status === 'processing') onDelayed(session.id)
      return redirect(successTarget(state, session))
    } catch (err) {
      if (err instanceof EmulatorError) return checkoutPage(state, session, err.status, err.message)
      throw err
    }
  }
  const auth = /^\/3ds\/([A-Za-z0-9_]+)$/.exec(input.path)
  if (auth !== null) {
    const intent = state.intents.get(auth[1] as string)
    if (intent === undefined) return page(404, 'Not found', '<p id="status">No such payment.</p>')
    if (input.method !== 'POST' || intent.status !== 'requires_action') return authPage(state, intent)
    const returnUrl = (intent.next_action as { redirect_to_url?: { return_url?: string | null } } | null)?.redirect_to_url?.return_url ?? null
    const result = finishAuthentication(state, intent, input.form.get('outcome') === 'approve')
    completeSessionFor(state, intent)
    if (returnUrl !== null) return redirect(`${returnUrl}${returnUrl.includes('?') ? '&' : '?'}payment_intent=${intent.id}`)
    return page(200, 'Authentication', `<p id="status">${result.ok ? 'Authentication complete.' : 'Authentication failed.'}</p>`)
  }
  return undefined
}
