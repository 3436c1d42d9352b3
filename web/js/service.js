// Service information, for anyone: every channel with its wait (a chart: people would rather see
// it than read it) and how our predictions did, and the live FAQ, most asked first.

import { scale } from "./charts.js";
import { selfService } from "./contacts.js";
import { $, attempt, element } from "./dom.js";
import { at, channelName, day, duration, hours, percent, waitText } from "./format.js";
import { t } from "./i18n.js";
import { showOutages } from "./outages.js";
import { api } from "./session.js";

async function loadChannels() {
  const data = await api("GET", "/channels");
  const queues = data.items.filter((c) => c.kind !== "visit");
  const chart = element("article", "", { className: "card span" });
  chart.append(element("h2", t("service.waits_now")), scale(queues.map((c) => ({
    label: channelName(c.channel), amount: c.open_now ? c.expected_wait_s || 0 : 0,
    value: c.open_now ? waitText(c.expected_wait_s, c.wait_range_s) : t("service.closed") }))));
  const cards = data.items.map((c) => {
    const card = element("article", "", { className: "card" });
    card.append(element("h3", channelName(c.channel)),
      element("p", c.open_now ? t("service.open") : c.opens_at ? t("service.opens", { when: at(c.opens_at) }) : t("service.closed"),
        { className: c.open_now ? "ok" : "" }));
    if (c.kind === "visit") card.append(element("p", hours(c.opening_hours), { className: "hint" }));
    else if (c.open_now) card.append(element("p", t("service.wait", { wait: waitText(c.expected_wait_s, c.wait_range_s) })));
    if (c.callback_available) card.append(element("p", t("service.callback"), { className: "hint" }));
    const a = c.accuracy;
    if (a && a.answered) {
      card.append(element("p", t("service.past", { share: percent(a.achieved_service_level), within: duration(c.service_level_target.within_s),
        predicted: duration(a.mean_predicted_wait_s), waited: duration(a.mean_actual_wait_s) }), { className: "hint" }));
    }
    return card;
  });
  $("channels").replaceChildren(chart, ...cards);
}

async function loadFaq() {
  const data = await api("GET", "/faq");
  $("faq-since").textContent = t("service.faq_since", { date: day(data.since) });
  const articles = [...data.articles].sort((a, b) => b.asked_recently - a.asked_recently);
  $("faq").replaceChildren(...articles.map((a) => {
    const details = element("details");
    details.append(element("summary", a.question), element("p", a.answer));
    if (a.asked_recently) details.append(element("p", t("service.asked", { n: a.asked_recently }), { className: "hint" }));
    if (a.self_service) { const p = element("p"); p.append(selfService(a.self_service)); details.append(p); }
    return details;
  }));
}

export function showService() {
  return attempt("service-status", () => Promise.all([loadChannels(), showOutages(), loadFaq()]));
}

$("channels-refresh").addEventListener("click", () => attempt("service-status", loadChannels));
