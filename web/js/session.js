// Who is signed in, what is open, and calling the API as them.

export const state = { token: sessionStorage.getItem("token"), claims: null, base: "/me", record: null, cursor: null,
  catalogue: null, invoice: null, contact: null, working: new Map() };

export function claimsOf(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

export async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: state.token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || response.statusText), { status: response.status });
  return data;
}

// what one part of the page tells the others, without importing them
export const RECORD_STALE = "opencounter:record-stale";
export const OPEN_CUSTOMER = "opencounter:open-customer";

export function announce(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}
