// Who is signed in, where the API is, and calling it as them. The ID token lives in this tab's
// sessionStorage only (never localStorage): closing the tab signs out.

import { currentLanguage } from "./i18n.js";

export const state = { config: null, token: null, claims: null, base: "/me", record: null, catalogue: null,
  invoice: null, contact: null, working: new Map(), cursor: null };

const TOKEN = "opencounter.token";

export async function loadConfig() {
  state.config = await (await fetch("/config.json", { cache: "no-cache" })).json();
  return state.config;
}

export function claimsOf(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(decodeURIComponent(escape(atob(part))));
}

export function signedIn(token) {
  state.token = token;
  state.claims = token ? claimsOf(token) : null;
  if (token) sessionStorage.setItem(TOKEN, token); else sessionStorage.removeItem(TOKEN);
}

export function restore() {
  const token = sessionStorage.getItem(TOKEN);
  if (token && claimsOf(token).exp * 1000 > Date.now()) signedIn(token); else signedIn(null);
  return state.token;
}

export const groups = () => [].concat((state.claims || {})["cognito:groups"] || []);
export const isStaff = () => groups().some((g) => ["agents", "admins", "privacy"].includes(g));

// an answer the API refused, as the page tells it: the API's stable code and reason, and the
// params its sentence needs (see errors.js)
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || String(status));
    Object.assign(this, { status, code: body.code || "error", reason: body.reason || body.code || "error",
      params: body.params || {}, field: body.field || null });
  }
}

// headers a kind of request carries by itself, each `give(method, path)` giving some or none (the
// desk: why a member of staff reads a customer's data)
const givers = [];
export function carry(give) {
  givers.push(give);
}

export async function api(method, path, body, headers = {}) {
  let response;
  try {
    response = await fetch(`${state.config.apiUrl}${path}`, {
      method, headers: { ...(state.token ? { Authorization: state.token } : {}), "Content-Type": "application/json",
        "Accept-Language": currentLanguage(), ...Object.assign({}, ...givers.map((give) => give(method, path))), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "offline", reason: "offline" });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// what one part of the page tells the others, without importing them
export const RECORD_CHANGED = "opencounter:record-changed";
export const OPEN_CUSTOMER = "opencounter:open-customer";

export function announce(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}
