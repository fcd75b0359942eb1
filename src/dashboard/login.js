// The login page's module: a one-time code from the link (?code=) is posted as soon as the page
// opens (a link preview that only fetches the URL does not use it up), or a pasted token.
const error = document.getElementById('login-error')

async function logIn (body) {
  error.hidden = true
  const res = await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' })
  if (res.ok) {
    window.location.assign('/')
    return
  }
  const problem = await res.json().catch(() => ({}))
  error.textContent = problem.detail ?? `Error ${res.status}`
  error.hidden = false
}

const code = new URLSearchParams(window.location.search).get('code')
const button = document.getElementById('login-code')
if (code && button) {
  button.addEventListener('click', () => { logIn({ code }) })
  // the address bar forgets the code: it is used once anyway
  window.history.replaceState({}, '', '/login')
  logIn({ code })
}

document.getElementById('login-token').addEventListener('submit', (event) => {
  event.preventDefault()
  logIn({ token: document.getElementById('token').value.trim() })
})
