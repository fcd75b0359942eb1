/**
 * `GET /sandbox/chat`: the web chat a newcomer talks to the bot in (DESIGN.md "The sandbox"). The
 * page is a static shell; its ES module (chat-js.ts) drives it through the customer's JSON API.
 * Nothing inline and nothing from another origin, so the CSP holds.
 */
export function renderChatPage (): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bozor sandbox — chat with your bot</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/sandbox/chat/chat.css">
<script type="module" src="/sandbox/chat/chat.js"></script>
</head>
<body>
<div class="app">
  <aside class="side">
    <header><h1>Bozor sandbox</h1><p>Simulated customers of your bot</p></header>
    <ul class="users" id="users" aria-label="Customers"></ul>
    <form class="new-user" id="new-user">
      <input id="new-name" placeholder="New customer's name" maxlength="64" aria-label="New customer's name">
      <select id="new-language" aria-label="Language"><option value="en">English</option><option value="ru">Русский</option><option value="uz">O'zbek</option></select>
      <button class="btn" type="submit">Add</button>
    </form>
  </aside>
  <main class="main">
    <div class="topbar">
      <div class="who"><strong id="who">…</strong><span id="who-sub"></span></div>
      <select class="switcher" id="switcher" aria-label="Customer"></select>
      <button class="btn danger" id="block" type="button" hidden>Block bot</button>
    </div>
    <p class="notice" id="notice" role="status" hidden></p>
    <div class="messages" id="messages" aria-live="polite"></div>
    <div class="composer">
      <div class="reply-kb" id="reply-kb" hidden></div>
      <form id="composer"><input id="text" autocomplete="off" placeholder="Message" maxlength="4096" aria-label="Message"><button class="btn" type="submit">Send</button></form>
    </div>
  </main>
</div>
<div class="sheet" id="sheet" hidden>
  <div class="panel" role="dialog" aria-labelledby="sheet-title">
    <h2 id="sheet-title"></h2>
    <div>Telegram Stars payment (sandbox: no real Stars are spent)</div>
    <div class="total" id="sheet-total"></div>
    <button class="btn" id="pay" type="button">Pay</button>
    <button class="btn secondary" id="cancel" type="button">Cancel</button>
  </div>
</div>
</body>
</html>
`
}
