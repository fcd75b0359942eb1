/**
 * The simulated checkout pages of Payme and Click (`GET /sandbox/pay/payme|click`): the order,
 * the amount and the three choices as plain form posts to `POST /sandbox/pay/:provider`, and the
 * page that answers such a post. No inline script or style (the CSP forbids inline code): the
 * stylesheet is Bozor's own `/assets/bozor.css`.
 */
import { escapeHtml } from './entities-html.js'

const PROVIDER_TITLE: Readonly<Record<string, string>> = { payme: 'Payme', click: 'Click', stripe: 'Stripe' }

const CHOICES: ReadonlyArray<[outcome: string, label: string]> = [
  ['pay', 'Pay'],
  ['decline', 'Decline (the card is refused)'],
  ['cancel', 'Cancel (leave without paying)']
]

function layout (title: string, inner: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/assets/bozor.css"></head>
<body><p class="note">Bozor sandbox · simulated checkout, no money moves</p><h1>${escapeHtml(title)}</h1>${inner}</body></html>
`
}

/** UZS tiyin as so'm with grouped thousands: 4 900 000 → `49,000.00 UZS`. */
export function formatUzs (tiyin: number): string {
  return `${(tiyin / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} UZS`
}

/** The checkout page of `provider` for the order in `url` (the page's own address). */
export function renderCheckoutPage (input: { provider: 'payme' | 'click', url: string, orderId: string, amountTiyin: number }): string {
  const action = `/sandbox/pay/${input.provider}`
  const forms = CHOICES.map(([outcome, label]) =>
    `<form method="post" action="${action}"><input type="hidden" name="url" value="${escapeHtml(input.url)}"><input type="hidden" name="outcome" value="${outcome}"><button type="submit">${escapeHtml(label)}</button></form>`).join('\n')
  return layout(`${PROVIDER_TITLE[input.provider]} checkout`,
    `<table><tr><td>Order</td><td id="order">#${escapeHtml(input.orderId)}</td></tr><tr><td>Amount</td><td id="amount">${escapeHtml(formatUzs(input.amountTiyin))}</td></tr></table>\n${forms}`)
}

/** The answer to a form post: what happened, in words. */
export function renderOutcomePage (input: { provider: string, outcome: string, orderId: string, state: string, error?: string }): string {
  const said = input.error !== undefined
    ? `The payment was refused: ${input.error}`
    : input.outcome === 'pay' ? 'The payment went through.' : input.outcome === 'decline' ? 'The card was declined; the order can still be paid.' : 'You left without paying; the order can still be paid.'
  return layout(`${PROVIDER_TITLE[input.provider] ?? input.provider} checkout`,
    `<p id="status">${escapeHtml(said)}</p><p>Order #${escapeHtml(input.orderId)} is <span id="state">${escapeHtml(input.state)}</span>. You can close this page and go back to the chat.</p>`)
}
