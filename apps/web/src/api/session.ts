// Sign-in for servers that need a token (LOCKSCOPE_TOKEN): asked once, then kept by the server in
// an HttpOnly, SameSite=Strict cookie (the page never stores it). Share links of recordings open
// without it when the server has LOCKSCOPE_PUBLIC_LINKS=1.

interface SessionState {
  auth: 'none' | 'token';
  authenticated: boolean;
  publicLinks: boolean;
}

/** Resolves once the page may call the API: at once without a token, after signing in with one. */
export async function ensureSession(ask: (message: string) => string | null = (m) => window.prompt(m)): Promise<void> {
  const res = await fetch('/api/session');
  if (!res.ok) return;
  const state = (await res.json()) as SessionState;
  if (state.auth === 'none' || state.authenticated) return;
  if (state.publicLinks && window.location.pathname.startsWith('/r/')) return;
  let message = 'This Lockscope server needs its token (LOCKSCOPE_TOKEN):';
  for (;;) {
    const token = ask(message);
    if (token === null || token.trim() === '') return;
    const signIn = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: token.trim() }) });
    if (signIn.ok) return;
    message = signIn.status === 401 ? 'Wrong token. This Lockscope server needs its token (LOCKSCOPE_TOKEN):' : `Sign-in failed (${signIn.status}); token:`;
  }
}
