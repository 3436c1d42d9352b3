// Pages by address: #/invoices/OC-123 opens that invoice, the back button goes back, and a link
// can be shared. Each page is a <section data-page> shown alone; its heading takes the focus so
// a screen reader announces where the customer is.

import { $ } from "./dom.js";

const routes = [];
let fallback = "#/";

// `pattern` like "/invoices/:id"; `allowed()` false sends to the fallback; `render(params)` fills it
export function route(pattern, page, render, allowed = () => true) {
  const names = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return "([^/]+)"; })}$`);
  routes.push({ regex, names, page, render, allowed });
}

export function setFallback(hash) {
  fallback = hash;
}

export function go(hash) {
  if (location.hash === hash) show(); else location.hash = hash;
}

export async function show() {
  const path = (location.hash || "#/").slice(1) || "/";
  const found = routes.map((r) => ({ r, m: r.regex.exec(path) })).find(({ r, m }) => m && r.allowed());
  if (!found) {
    if (location.hash !== fallback) { location.replace(fallback); return; }
    return;
  }
  const { r, m } = found;
  const params = Object.fromEntries(r.names.map((name, i) => [name, decodeURIComponent(m[i + 1])]));
  for (const section of document.querySelectorAll("[data-page]")) section.hidden = section.dataset.page !== r.page;
  for (const link of document.querySelectorAll("nav a")) {
    const current = link.getAttribute("href") === `#/${path.split("/")[1] || ""}`;
    if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  $("nav").classList.remove("open");
  $("menu-toggle").setAttribute("aria-expanded", "false");
  await r.render(params);
  const heading = document.querySelector(`[data-page="${r.page}"] h1`);
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
  window.scrollTo(0, 0);
}

window.addEventListener("hashchange", () => show().catch(() => {}));
