// Messages from us: every notice, reminder and mailing sent to the customer, on which channel, and
// what came of it (delivered, opened or read, clicked through, answered; or bounced). The customer
// reads theirs on the history page, staff the latest in the 360-degree view.

import { $, element, emptyNote, item } from "./dom.js";
import { at, channelName } from "./format.js";
import { has, t } from "./i18n.js";
import { api } from "./session.js";

let cursor = null;

// the moment of the furthest outcome, shown beside it
const MOMENT = { delivered: "delivered_at", opened: "opened_at", clicked: "clicked_at", answered: "answered_at",
  bounced: "failed_at", failed: "failed_at" };

function what(m) {
  if (m.subject) return m.subject;
  if (m.mailing && m.mailing.name) return t("messages.mailing", { name: m.mailing.name });
  return has(`timeline.${m.about}`) ? t(`timeline.${m.about}`) : t("timeline.other");
}

function journey(route) {
  const name = route.replace(/^#\//, "");
  return has(`nav.${name}`) ? t(`nav.${name}`) : route;
}

// a message: when it went, what it was about, on which channel (staff: to which address), and how far it came
export function messageItem(m, staff) {
  const li = item("");
  const moment = MOMENT[m.status] && m[MOMENT[m.status]];
  const status = element("strong", t(`messages.status.${m.status}`), { className: `message-${m.status}` });
  li.append(element("time", at(m.sent_at), { dateTime: m.sent_at }), " ", element("span", what(m)),
    element("span", ` · ${channelName(m.channel)}${staff ? ` (${m.sent_to})` : ""} · `, { className: "hint" }), status);
  if (moment) li.append(element("span", ` ${at(moment)}`, { className: "hint" }));
  if (m.journey) li.append(element("span", ` · ${t("messages.to", { route: journey(m.journey) })}`, { className: "hint" }));
  return li;
}

export async function loadMessages(list, more) {
  const query = more && cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
  const page = await api("GET", `/me/messages${query}`);
  const entries = page.items.map((m) => messageItem(m, false));
  if (more) list.append(...entries); else list.replaceChildren(...entries);
  emptyNote(list, t("messages.none"));
  cursor = page.next_cursor;
  return Boolean(cursor);
}

const older = $("more-messages");
if (older) {
  older.addEventListener("click", async () => {
    older.hidden = !(await loadMessages($("messages"), true));
  });
}
