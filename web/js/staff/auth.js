// The signed-in officer: an ID token kept for this browser tab (sessionStorage), and its claims as the API
// reads them (cognito:groups, custom:agency_id). In AWS: Cognito's Hosted UI, authorization code with PKCE.
// Locally: the role picker (local-signin.js, loaded only when config.json says so; never deployed).
const KEY = "lapor.staff.session";
const PKCE = "lapor.staff.pkce";
const PRECEDENCE = ["coordinator", "official", "operator", "leadership"];

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function claims(token) {
  const part = token.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(decodeURIComponent(escape(json)));
}

export function sessionFromToken(token) {
  const c = claims(token);
  const groups = Array.isArray(c["cognito:groups"]) ? c["cognito:groups"] : String(c["cognito:groups"] || "").split(/[\s,[\]]+/);
  const role = PRECEDENCE.find((r) => groups.includes(r)) || null;
  return { token, role, agency_id: c["custom:agency_id"] || null, name: c.name || c.email || null, exp: Number(c.exp) || 0 };
}

export function currentSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (session && session.exp * 1000 > Date.now()) return session;
  } catch {
    /* none */
  }
  return null;
}

export function keepSession(token) {
  const session = sessionFromToken(token);
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function forgetSession() {
  sessionStorage.removeItem(KEY);
}

/** Off to the Hosted UI, with a PKCE verifier and a state kept for the way back. */
export async function startHostedSignIn(auth) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(48)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: auth.client_id,
    redirect_uri: auth.redirect_uri,
    scope: auth.scope,
    state,
    code_challenge_method: "S256",
    code_challenge: challenge,
  });
  location.assign(`${auth.domain}/oauth2/authorize?${query}`);
}

/** Back from the Hosted UI with ?code&state: exchange the code (with the verifier) for the tokens. */
export async function finishHostedSignIn(auth) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return null;
  const kept = JSON.parse(sessionStorage.getItem(PKCE) || "null");
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, "", location.pathname);
  if (!kept || kept.state !== params.get("state")) throw new Error("state mismatch");
  const response = await fetch(`${auth.domain}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.client_id,
      code,
      redirect_uri: auth.redirect_uri,
      code_verifier: kept.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token endpoint ${response.status}`);
  const tokens = await response.json();
  return keepSession(tokens.id_token);
}

export function hostedSignOut(auth) {
  forgetSession();
  const query = new URLSearchParams({ client_id: auth.client_id, logout_uri: auth.logout_uri });
  location.assign(`${auth.domain}/logout?${query}`);
}
