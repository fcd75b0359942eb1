/**
 * The dashboard's two server-rendered pages: the login page (in the browser's language, en, ru
 * or uz) and the shell every dashboard URL answers, which loads the page modules
 * (src/dashboard/app.js). No inline script or style: the CSP allows only Bozor's own files.
 */
const LOGIN_TEXTS = {
  en: {
    title: 'Log in to Bozor',
    withCode: 'You opened a one-time login link.',
    continue: 'Continue to the dashboard',
    orToken: 'Or paste an admin token',
    token: 'Admin token',
    submit: 'Log in',
    how: 'Get a one-time link with `bozor login`, or send /dashboard to the bot (if your Telegram id is in ADMIN_IDS).',
    sandbox: 'Sandbox: the start banner in the terminal has a Dashboard link. Chat with the bot:',
    needsJs: 'The dashboard needs JavaScript.'
  },
  ru: {
    title: 'Вход в Bozor',
    withCode: 'Вы открыли одноразовую ссылку для входа.',
    continue: 'Перейти в панель',
    orToken: 'Или вставьте токен администратора',
    token: 'Токен администратора',
    submit: 'Войти',
    how: 'Одноразовую ссылку даёт `bozor login` или команда /dashboard боту (если ваш id Telegram есть в ADMIN_IDS).',
    sandbox: 'Песочница: ссылка Dashboard есть в баннере в терминале. Чат с ботом:',
    needsJs: 'Для панели нужен JavaScript.'
  },
  uz: {
    title: 'Bozorga kirish',
    withCode: 'Siz bir martalik kirish havolasini ochdingiz.',
    continue: 'Panelga o‘tish',
    orToken: 'Yoki administrator tokenini kiriting',
    token: 'Administrator tokeni',
    submit: 'Kirish',
    how: 'Bir martalik havolani `bozor login` yoki botga /dashboard buyrug‘i beradi (Telegram id’ingiz ADMIN_IDS’da bo‘lsa).',
    sandbox: 'Sandbox: terminaldagi bannerda Dashboard havolasi bor. Bot bilan chat:',
    needsJs: 'Panel uchun JavaScript kerak.'
  }
} as const

type LoginLanguage = keyof typeof LOGIN_TEXTS

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** `lang` if it is one of ours, else the first of ours in Accept-Language, else en. */
export function loginLanguageOf (lang: string | undefined, acceptLanguage: string | undefined): LoginLanguage {
  if (lang === 'en' || lang === 'ru' || lang === 'uz') return lang
  for (const part of (acceptLanguage ?? '').split(',')) {
    const code = part.trim().slice(0, 2).toLowerCase()
    if (code === 'en' || code === 'ru' || code === 'uz') return code
  }
  return 'en'
}

export function renderLoginPage (input: { lang: string | undefined, acceptLanguage: string | undefined, hasCode: boolean, sandbox: boolean }): string {
  const lang = loginLanguageOf(input.lang, input.acceptLanguage)
  const t = LOGIN_TEXTS[lang]
  const code = input.hasCode
    ? `<p>${escapeHtml(t.withCode)}</p><p><button type="button" id="login-code" class="primary">${escapeHtml(t.continue)}</button></p><h2>${escapeHtml(t.orToken)}</h2>`
    : ''
  const sandbox = input.sandbox ? `<p class="note">${escapeHtml(t.sandbox)} <a href="/sandbox/chat">/sandbox/chat</a></p>` : ''
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script type="module" src="/dashboard/assets/login.js"></script></head>
<body class="login"><main class="login-box"><h1>${escapeHtml(t.title)}</h1>
<noscript><p class="error">${escapeHtml(t.needsJs)}</p></noscript>
${code}<form id="login-token" method="post" action="/login"><label for="token">${escapeHtml(t.token)}</label>
<input id="token" name="token" type="password" autocomplete="off" required maxlength="512">
<button type="submit" class="primary">${escapeHtml(t.submit)}</button></form>
<p id="login-error" class="error" role="alert" hidden></p>
<p class="note">${escapeHtml(t.how)}</p>${sandbox}</main></body></html>
`
}

/** The page every dashboard URL answers; app.js routes by the path. `timezone` (TIMEZONE) is the
 * calendar the pages count days in, as the analytics routes do, whatever the browser's zone. */
export function renderShell (timezone: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bozor</title><link rel="stylesheet" href="/dashboard/vendor/uPlot.min.css"><link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script type="module" src="/dashboard/assets/app.js"></script></head>
<body data-timezone="${escapeHtml(timezone)}"><div id="app" aria-live="polite"></div><noscript>The dashboard needs JavaScript.</noscript></body></html>
`
}
