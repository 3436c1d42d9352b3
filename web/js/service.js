// Service information, for anyone: every channel with its wait and service level, and the live
// FAQ, most asked first.

import { $, element, say } from "./dom.js";
import { duration, hoursText, openText, percent, waitText } from "./format.js";
import { selfService } from "./contacts.js";
import { api } from "./session.js";

async function loadChannels() {
  const data = await api("GET", "/channels");
  $("channels").tBodies[0].replaceChildren(...data.items.map((c) => {
    const row = element("tr");
    const name = element("th", c.label, { scope: "row" });
    const target = c.service_level_target;
    const level = c.predicted_service_level === null || c.predicted_service_level === undefined ? "-"
      : `${percent(c.predicted_service_level)} expected to be answered within ${duration(target.within_s)} ` +
        `(target ${percent(target.share)})`;
    const a = c.accuracy;
    const past = !a ? "-" : !a.answered ? "no contacts answered yet" : `${a.answered} answered, ` +
      `${percent(a.achieved_service_level)} within ${duration(target.within_s)}; predicted ${duration(a.mean_predicted_wait_s)}, ` +
      `waited ${duration(a.mean_actual_wait_s)} on average (off by ${duration(a.mean_abs_error_s)})` +
      (a.first_contact_resolution === null ? "" : `; ${percent(a.first_contact_resolution)} solved at first contact`);
    row.append(name, element("td", openText(c) + (c.callback_available ? ", call-back available" : "")),
      element("td", c.kind === "visit" ? hoursText(c.opening_hours) : !c.open_now ? "-"
        : `${waitText(c.expected_wait_s, c.wait_range_s)} (${c.waiting} waiting, ${c.agents} staff)`),
      element("td", level), element("td", past));
    return row;
  }));
}

async function loadFaq() {
  const data = await api("GET", "/faq");
  $("faq-since").textContent = `Most asked since ${data.since} first.`;
  const articles = [...data.articles].sort((a, b) => b.asked_recently - a.asked_recently);
  $("faq").replaceChildren(...articles.map((a) => {
    const details = element("details");
    details.append(element("summary", a.question + (a.asked_recently ? ` (asked ${a.asked_recently}× this week)` : "")),
      element("p", a.answer));
    if (a.self_service) { const p = element("p"); p.append(selfService(a.self_service)); details.append(p); }
    return details;
  }));
}

export function loadService() {
  return Promise.all([loadChannels(), loadFaq()]).catch((error) => say(error.message, false, "service-message"));
}

$("channels-refresh").addEventListener("click", () => loadChannels().catch((error) => say(error.message, false, "service-message")));
