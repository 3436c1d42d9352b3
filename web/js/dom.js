// Building the page: elements, buttons, list items, labelled controls, and the message that
// tells the outcome of an action right beside the control that caused it.

import { errorText } from "./errors.js";
import { t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

// answers shown only while they are the newest asked for: each call of the function `newest()`
// gives is a ticket, and `ticket()` says whether no later one was taken since (a list asked for when
// the page opened, answered after the list asked for once something was added, is left unshown)
export function newest() {
  let count = 0;
  return () => {
    const mine = ++count;
    return () => mine === count;
  };
}

export function element(tag, text, props) {
  return Object.assign(document.createElement(tag), { textContent: text ?? "" }, props);
}

export function button(text, onClick, props) {
  const b = element("button", text, { type: "button", ...props });
  b.addEventListener("click", onClick);
  return b;
}

export function item(text) {
  return element("li", text);
}

export function labelled(text, control, hint) {
  const label = element("label", text);
  label.append(control);
  if (hint) label.append(element("span", hint, { className: "hint" }));
  return label;
}

export function select(name, options, value) {
  const control = element("select", "", { name });
  control.append(...Object.entries(options).map(([v, text]) => element("option", text, { value: v })));
  if (value !== undefined) control.value = value;
  return control;
}

// a status line for the outcome of an action (role=status: read out when it changes)
export function status(className = "status") {
  return element("p", "", { className, role: "status" });
}

export function say(where, text, ok = true) {
  const target = typeof where === "string" ? $(where) : where;
  target.textContent = text;
  target.classList.toggle("ok", ok && Boolean(text));
  target.classList.toggle("error", !ok);
}

// run an action; its failure is told in `where`, in words (never the API's English)
export async function attempt(where, action) {
  try {
    return await action();
  } catch (error) {
    say(where, error.status !== undefined || error.reason ? errorText(error) : t("errors.error"), false);
    return undefined;
  }
}

export function definitions(pairs) {
  const list = element("dl");
  for (const [term, value] of pairs) {
    const dd = element("dd");
    if (value instanceof Node) dd.append(value); else dd.textContent = value;
    list.append(element("dt", term), dd);
  }
  return list;
}

export function emptyNote(list, text) {
  if (!list.children.length) list.replaceChildren(element("li", text, { className: "empty" }));
}
