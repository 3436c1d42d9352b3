// The customer's privacy page: who read their data. Every time staff look at their record, an
// invoice, a contact..., it is on record; the customer sees when, which kind of colleague (never a
// name), what they looked at and why, newest first, a page at a time.

import { button, element, emptyNote } from "./dom.js";
import { at } from "./format.js";
import { t } from "./i18n.js";
import { customerPart } from "./privacy.js";
import { api } from "./session.js";

export function readItem(entry) {
  const li = element("li", "", { className: "row" });
  const what = t(`access_log.what.${entry.what}`);
  li.append(element("time", at(entry.at), { dateTime: entry.at }),
    element("span", t(`access_log.read_${entry.kind}`, { who: t(`access_log.roles.${entry.role}`), what })),
    element("span", t(`access_log.why.${entry.why}`), { className: entry.why === "none" ? "badge warn" : "hint" }));
  return li;
}

customerPart(async (container) => {
  const list = element("ol", "", { className: "rows plain", id: "access-log" });
  const more = button(t("access_log.more"), () => load(true), { className: "secondary", hidden: true });
  let cursor = null;
  async function load(next) {
    const page = await api("GET", `/me/access-log${next && cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    const items = page.items.map(readItem);
    if (next) list.append(...items); else list.replaceChildren(...items);
    emptyNote(list, t("access_log.nobody"));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }
  container.append(element("h2", t("access_log.title")), element("p", t("access_log.lead"), { className: "hint" }),
    list, more);
  await load(false);
});
