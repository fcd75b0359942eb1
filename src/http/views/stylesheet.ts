/**
 * The stylesheet of Bozor's own pages (pay pages, sandbox pages), served at `/assets/bozor.css`
 * (src/http/routes/assets.ts) and linked, never inlined, so the Content-Security-Policy can
 * forbid inline code (src/http/plugins/security-headers.ts). Kept as a module so `npm run build`
 * carries it into dist/ with the code.
 */
export const STYLESHEET = `body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; color: #222; line-height: 1.45 }
h1 { font-size: 1.4rem }
@media (max-width: 420px) { body { margin: 2rem auto } }
`
