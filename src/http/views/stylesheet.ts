/**
 * The stylesheet of Bozor's own pages (pay pages, sandbox pages), served at `/assets/bozor.css`
 * (src/http/routes/assets.ts) and linked, never inlined, so the Content-Security-Policy can
 * forbid inline code (src/http/plugins/security-headers.ts). Kept as a module so `npm run build`
 * carries it into dist/ with the code.
 */
export const STYLESHEET = `body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #222; line-height: 1.45 }
h1 { font-size: 1.4rem }
button { display: block; width: 100%; margin: .4rem 0; padding: .7rem; font-size: 1rem; cursor: pointer }
.error { color: #b00020 }
table { width: 100%; border-collapse: collapse }
td { padding: .25rem 0 }
.total { font-weight: bold }
.note { color: #666; font-size: .85rem }
@media (max-width: 420px) { body { margin: 2rem auto } }
`
