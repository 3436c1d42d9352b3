// History: every contact on every channel, the messages we sent, and the timeline of everything that happened.

import { contactItem } from "./contacts.js";
import { $, element, emptyNote, item } from "./dom.js";
import { at, channelName } from "./format.js";
import { has, t } from "./i18n.js";
import { loadMessages } from "./messages.js";
import { api, state } from "./session.js";

// an entry: when, what, on which channel, and who, when it was staff (for staff: which of them)
export function timelineItem(e, staff) {
  const why = e.data && e.data.why ? `timeline.${e.type}_${e.data.why}` : null;  // by how it came, where titled so
  const title = why && has(why) ? t(why) : has(`timeline.${e.type}`) ? t(`timeline.${e.type}`) : t("timeline.other");
  const by = e.actor && e.actor.type === "agent" ? ` · ${staff ? e.actor.name || e.actor.id : t("timeline.by_staff")}` : "";
  const li = item("");
  li.append(element("time", at(e.occurred_at), { dateTime: e.occurred_at }), " ", element("span", title),
    element("span", ` · ${channelName(e.channel)}${by}`, { className: "hint" }));
  return li;
}

export async function loadTimeline(base, list, more) {
  const query = more && state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : "";
  const page = await api("GET", `${base}/timeline${query}`);
  const entries = page.items.map((e) => timelineItem(e, base.startsWith("/agent/")));
  if (more) list.append(...entries); else list.replaceChildren(...entries);
  state.cursor = page.next_cursor;
  return Boolean(state.cursor);
}

export async function showHistory() {
  const [contacts] = await Promise.all([api("GET", "/me/contacts"),
    loadTimeline("/me", $("timeline"), false).then((more) => { $("more").hidden = !more; }),
    loadMessages($("messages"), false).then((more) => { $("more-messages").hidden = !more; })]);
  $("contacts").replaceChildren(...contacts.items.map((c) => contactItem(c)));
  emptyNote($("contacts"), t("history.no_contacts"));
}

$("more").addEventListener("click", async () => {
  $("more").hidden = !(await loadTimeline("/me", $("timeline"), true));
});
