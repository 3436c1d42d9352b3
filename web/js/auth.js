// Signing in the AWS way: OAuth 2.0 authorization code with PKCE against Cognito's managed login
// (locally, the local cloud's own at the same paths). The verifier and state live in this tab's
// sessionStorage only until the code comes back.

import { currentLanguage } from "./i18n.js";
import { signedIn, state } from "./session.js";

const PENDING = "opencounter.pkce";

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

const redirectUri = () => `${location.origin}/`;

export async function signIn(returnTo = location.hash) {
  const verifier = random(48);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const flowState = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state: flowState, returnTo }));
  const query = new URLSearchParams({ response_type: "code", client_id: state.config.clientId,
    redirect_uri: redirectUri(), scope: "openid email profile", state: flowState, code_challenge: challenge,
    code_challenge_method: "S256", lang: currentLanguage() });
  location.assign(`${state.config.loginUrl}/oauth2/authorize?${query}`);
}

// back from the managed login with ?code&state: exchange the code; the hash to return to, or
// null when this is no sign-in coming back
export async function completeSignIn() {
  const query = new URLSearchParams(location.search);
  const code = query.get("code");
  if (!code) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "{}");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", location.pathname + (pending.returnTo || ""));
  if (!pending.verifier || pending.state !== query.get("state")) throw new Error("sign_in_failed");
  const response = await fetch(`${state.config.loginUrl}/oauth2/token`, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: state.config.clientId, code,
      redirect_uri: redirectUri(), code_verifier: pending.verifier }),
  });
  if (!response.ok) throw new Error("sign_in_failed");
  signedIn((await response.json()).id_token);
  return pending.returnTo || "";
}

export function signOut() {
  signedIn(null);
  const query = new URLSearchParams({ client_id: state.config.clientId, logout_uri: redirectUri() });
  location.assign(`${state.config.loginUrl}/logout?${query}`);
}
