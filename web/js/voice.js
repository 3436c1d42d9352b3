// The voice of the customer at the desk, for operations: how easy customers found each journey and
// how they score contacts, per channel side by side (the same quality on every channel), the ideas
// with the most votes, the questions no FAQ article answered, grouped by their words, as
// candidates for new articles, and the reasons for contact that could be prevented at the source. Bars, with every number in the text too.

import { bar, scale } from "./charts.js";
import { $, element, emptyNote } from "./dom.js";
import { channelName, month, number, percent } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

function satisfied(label, f) {
  if (!f) return bar(label, t("voice.no_answers"), 0);
  return bar(label, t("voice.satisfied", { share: percent(f.satisfied_share), n: f.answers }), f.satisfied_share);
}

function nps(label, f) {
  if (!f) return bar(label, t("voice.no_answers"), 0);
  return bar(label, t("voice.nps", { score: number(f.nps), n: f.answers }), (f.nps + 100) / 200);
}

function chart(title, hint, rows) {
  const box = element("section", "", { className: "card span" });
  const list = element("div", "", { className: "chart" });
  list.append(...rows);
  if (!rows.length) list.append(element("p", t("voice.no_answers"), { className: "hint" }));
  box.append(element("h2", title), element("p", hint, { className: "hint" }), list);
  return box;
}

function questions(unanswered) {
  const box = element("section", "", { className: "card span" });
  box.append(element("h2", t("voice.questions_title")),
    element("p", t("voice.questions_hint", { n: unanswered.questions }), { className: "hint" }),
    scale(unanswered.groups.map((g) => ({ label: g.keywords.join(", ") || t("voice.no_words"), value: number(g.questions), amount: g.questions }))));
  const list = element("ul", "", { className: "plain" });
  for (const g of unanswered.groups) {
    const li = element("li");
    li.append(element("strong", g.keywords.join(", ") || t("voice.no_words")),
      element("span", ` · ${Object.entries(g.channels).map(([c, n]) => `${channelName(c)} ${n}`).join(", ")}`, { className: "hint" }));
    const examples = element("ul");
    examples.append(...g.examples.map((e) => element("li", `“${e}”`)));
    li.append(examples);
    list.append(li);
  }
  emptyNote(list, t("voice.no_questions"));
  box.append(list);
  return box;
}

// the reasons for contact a page, a clearer invoice line or a notice could have prevented
function prevention(p) {
  const box = element("section", "", { className: "card span", id: "voice-prevention" });
  box.append(element("h2", t("voice.prevention_title")),
    element("p", t("voice.prevention_hint", { n: number(p.contacts) }), { className: "hint" }),
    scale(p.journeys.map((j) => ({ label: t(`voice.area.${j.journey}`), value: number(j.contacts), amount: j.contacts }))));
  const list = element("ol", "", { className: "plain" });
  list.append(...p.top.map((r) => element("li", t("voice.prevent", { area: t(`voice.area.${r.journey}`),
    n: number(r.contacts), share: percent(r.share), by: t(`voice.prevent_by.${r.prevent_by}`, { area: t(`voice.area.${r.journey}`) }) }))));
  emptyNote(list, t("voice.nothing_to_prevent"));
  box.append(list);
  return box;
}

export async function showVoice() {
  const v = await api("GET", "/agent/voice");
  $("voice-since").textContent = t("voice.since", { month: month(v.since) });
  const journeys = v.per_journey.filter((j) => j.scale === "ease");
  const contact = v.per_journey.find((j) => j.scale === "nps");
  $("voice-parts").replaceChildren(
    chart(t("voice.channels_ease"), t("voice.ease_hint"), v.per_channel.map((c) => satisfied(channelName(c.channel), c.journeys))),
    chart(t("voice.channels_nps"), t("voice.nps_hint"), v.per_channel.filter((c) => c.contact).map((c) => nps(channelName(c.channel), c.contact))),
    chart(t("voice.journeys"), t("voice.ease_hint"), [...journeys.map((j) => satisfied(t(`voice.journey.${j.journey}`), j.figures)),
      ...(contact ? [satisfied(t("voice.journey.contact"), contact.figures)] : [])]),
    chart(t("voice.top_ideas"), t("voice.top_ideas_hint"), v.top_ideas.length
      ? [scale(v.top_ideas.map((i) => ({ label: i.title, value: t("ideas.votes", { n: i.votes }), amount: i.votes })))] : []),
    questions(v.unanswered), prevention(v.prevention));
}
