// Every text on screen comes from a message catalogue (web/i18n/<language>.json): Dutch first,
// English by choice. `t(key, params)` fills {name} placeholders; elements marked
// data-i18n="key" (text) or data-i18n-<attribute>="key" are filled from the catalogue.

export const LANGUAGES = ["nl", "en"];
const CHOSEN = "opencounter.language";  // a preference, not a secret: kept across visits
let messages = {};
let language = "nl";

export function currentLanguage() {
  return language;
}

function lookup(key) {
  return key.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), messages);
}

export function has(key) {
  return typeof lookup(key) === "string";
}

// {n} picks key_one for one and key_other for more, where the catalogue has them
export function t(key, params = {}) {
  const counted = "n" in params && typeof lookup(`${key}_one`) === "string";
  const text = lookup(counted ? `${key}_${Number(params.n) === 1 ? "one" : "other"}` : key);
  if (typeof text !== "string") return key;  // a missing key shows as itself: tests catch it
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function apply(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("*")) {
    for (const { name, value } of [...node.attributes]) {
      if (name.startsWith("data-i18n-")) node.setAttribute(name.slice("data-i18n-".length), t(value));
    }
  }
  document.documentElement.lang = language;
  document.title = t(document.body.dataset.title || "app.title");
}

export async function load(wanted) {
  const stored = localStorage.getItem(CHOSEN);
  language = LANGUAGES.includes(wanted) ? wanted : LANGUAGES.includes(stored) ? stored : "nl";
  const response = await fetch(`/i18n/${language}.json`);
  messages = await response.json();
  apply();
  return language;
}

export async function choose(wanted) {
  localStorage.setItem(CHOSEN, wanted);
  await load(wanted);
}
