/** The web chat's stylesheet (served at /sandbox/chat/chat.css; no inline styles: the CSP forbids them). */
export const CHAT_CSS = String.raw`
:root { --bg: #e6ebee; --side: #ffffff; --bot: #ffffff; --me: #e1ffc7; --accent: #3390ec; --text: #1f2329; --muted: #707579; --line: #dfe1e5; --danger: #e53935 }
* { box-sizing: border-box }
html, body { height: 100% }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: var(--bg) }
button, input, select { font: inherit }
.app { display: grid; grid-template-columns: 300px 1fr; height: 100vh; height: 100dvh }
.side { background: var(--side); border-right: 1px solid var(--line); display: flex; flex-direction: column; min-height: 0 }
.side header { padding: 14px 16px; border-bottom: 1px solid var(--line) }
.side h1 { font-size: 17px; margin: 0 0 2px }
.side p { margin: 0; color: var(--muted); font-size: 13px }
.users { list-style: none; margin: 0; padding: 6px; overflow-y: auto; flex: 1 }
.users button { width: 100%; display: flex; gap: 10px; align-items: center; padding: 8px 10px; border: 0; border-radius: 10px; background: none; cursor: pointer; text-align: left }
.users button:hover { background: #f1f3f4 }
.users button[aria-current="true"] { background: var(--accent); color: #fff }
.avatar { width: 40px; height: 40px; border-radius: 50%; display: grid; place-items: center; color: #fff; font-weight: 600; flex: none; background: #7b8fa3 }
.users small { display: block; opacity: .75; font-size: 12px }
.new-user { display: flex; gap: 6px; padding: 10px; border-top: 1px solid var(--line); flex-wrap: wrap }
.new-user input { flex: 1 1 100%; min-width: 0; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px }
.new-user select { flex: 1; padding: 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff }
.btn { padding: 8px 14px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; cursor: pointer }
.btn.secondary { background: #eef3f8; color: var(--accent) }
.btn.danger { background: #fdecea; color: var(--danger) }
.main { display: flex; flex-direction: column; min-height: 0; min-width: 0 }
.topbar { display: flex; align-items: center; gap: 10px; padding: 10px 14px; background: var(--side); border-bottom: 1px solid var(--line) }
.topbar .who { flex: 1; min-width: 0 }
.topbar .who strong { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis }
.topbar .who span { color: var(--muted); font-size: 13px }
.switcher { display: none }
.messages { flex: 1; overflow-y: auto; padding: 16px 12px; display: flex; flex-direction: column; gap: 6px }
.empty { margin: auto; color: var(--muted); text-align: center; max-width: 22rem }
.msg { max-width: min(34rem, 85%); display: flex; flex-direction: column; gap: 4px }
.msg.bot { align-self: flex-start }
.msg.user { align-self: flex-end }
.bubble { padding: 7px 11px 6px; border-radius: 12px; background: var(--bot); box-shadow: 0 1px 1px rgba(0,0,0,.08); overflow-wrap: anywhere; white-space: pre-wrap }
.msg.user .bubble { background: var(--me) }
.bubble a { color: var(--accent) }
.bubble code, .bubble pre { font-family: ui-monospace, Menlo, monospace; font-size: 13px; background: rgba(0,0,0,.05); border-radius: 4px; padding: 0 3px }
.bubble blockquote { margin: 2px 0; padding-left: 8px; border-left: 3px solid var(--accent) }
.bubble .tg-spoiler { background: #999; color: transparent; border-radius: 3px }
.bubble .time { float: right; margin: 6px 0 -4px 10px; font-size: 11px; color: var(--muted) }
.edited { font-style: italic }
.photo { display: block; max-width: 100%; border-radius: 10px; margin-bottom: 4px }
.photo-missing { display: grid; place-items: center; height: 120px; border-radius: 10px; background: #dde3e8; color: var(--muted); margin-bottom: 4px }
.invoice { border-left: 3px solid var(--accent); padding-left: 8px; margin-top: 4px }
.invoice strong { display: block }
.keyboard { display: grid; gap: 4px }
.keyboard .row { display: flex; gap: 4px }
.keyboard button, .keyboard a { flex: 1; padding: 8px 6px; border: 0; border-radius: 8px; background: rgba(0, 0, 0, .22); color: #fff; cursor: pointer; text-align: center; text-decoration: none; font-size: 14px }
.keyboard a::after { content: " ↗"; font-size: 11px }
.composer { background: var(--side); border-top: 1px solid var(--line) }
.reply-kb { display: grid; gap: 4px; padding: 6px 8px 0 }
.reply-kb .row { display: flex; gap: 4px }
.reply-kb button { flex: 1; padding: 9px 6px; border: 1px solid var(--line); border-radius: 8px; background: #f4f6f8; cursor: pointer }
.composer form { display: flex; gap: 8px; padding: 8px }
.composer input { flex: 1; min-width: 0; padding: 10px 12px; border: 1px solid var(--line); border-radius: 20px }
.composer .btn { border-radius: 20px }
.sheet { position: fixed; inset: 0; background: rgba(0,0,0,.35); display: grid; place-items: end center }
.sheet[hidden] { display: none }
.sheet .panel { background: #fff; width: min(28rem, 100%); border-radius: 14px 14px 0 0; padding: 18px; display: grid; gap: 10px }
.sheet h2 { margin: 0; font-size: 18px }
.sheet .total { font-size: 22px; font-weight: 600 }
.notice { padding: 8px 12px; margin: 0 12px; border-radius: 8px; background: #fff4e5; color: #8a5300; font-size: 13px }
.notice[hidden] { display: none }
.avatar.c0 { background: #e17076 }
.avatar.c1 { background: #7bc862 }
.avatar.c2 { background: #65aadd }
.avatar.c3 { background: #a695e7 }
.avatar.c4 { background: #ee7aae }
.avatar.c5 { background: #6ec9cb }
.avatar.c6 { background: #faa774 }
@media (max-width: 700px) {
  .app { grid-template-columns: 1fr }
  .side { display: none }
  .topbar .who { display: none }
  .switcher { display: block; flex: 1; min-width: 0; padding: 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff }
  .msg { max-width: 92% }
}
`
