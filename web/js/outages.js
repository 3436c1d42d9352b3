// Outages: the customer it hits sees it at the top of every page while it lasts (we told them
// already; they need not call), the contact page answers "is there an outage?" before anything
// else, anyone sees the outages going on on the service page, and staff follow and resolve them
// at the desk, with how many customers were told and how many still contacted us.

import { scale } from "./charts.js";
import { $, attempt, button, definitions, element, emptyNote, say } from "./dom.js";
import { at, number } from "./format.js";
import { currentLanguage, t } from "./i18n.js";
import { api, groups, state } from "./session.js";

const area = (o) => (o.area.from === o.area.to ? o.area.from : `${o.area.from}–${o.area.to}`);

function notice(o) {
  const box = element("div", "", { className: "notice outage" });
  box.dataset.incident = o.incident_id;
  box.append(element("strong", t(`outages.kind.${o.product_kind}`)),
    element("p", o.description[currentLanguage()] || o.description.nl),
    element("p", t("outages.expected_end", { when: at(o.expected_end) }), { className: "hint" }));
  return box;
}

// the customer's own outages, at the top of every page and first on the contact page
export async function showOutageBanner() {
  const banner = $("outage-banner");
  const mine = state.token && groups().includes("customers")
    ? await api("GET", "/me/outages").catch(() => ({ items: [] })) : { items: [] };
  banner.replaceChildren(...mine.items.map((o) => {
    const box = notice(o);
    box.prepend(element("p", t("outages.told"), { className: "hint" }));
    return box;
  }));
  banner.hidden = mine.items.length === 0;
  $("contact-outages").replaceChildren(...mine.items.map((o) => {
    const box = notice(o);
    box.prepend(element("h2", t("outages.first_answer")));
    box.append(element("p", t("outages.no_need_to_call")));
    return box;
  }));
}

// every outage going on, for anyone (the service page)
export async function showOutages() {
  const going = await api("GET", "/outages");
  const list = $("outages");
  list.replaceChildren(...going.items.map((o) => {
    const li = element("li");
    li.append(notice(o), element("p", t("outages.area", { area: area(o) }), { className: "hint" }));
    return li;
  }));
  emptyNote(list, t("outages.none"));
}

// ---------------------------------------------------------------- the desk

function figures(i) {
  const rows = [["told", i.counts.told], ["cleared", i.counts.cleared], ["contacts", i.counts.contacts]];
  return scale(rows.map(([k, n]) => ({ label: t(`outages.count.${k}`), value: number(n), amount: n })));
}

function incidentCard(i, operations) {
  const li = element("li", "", { className: "card" });
  li.dataset.incident = i.incident_id;
  li.append(element("h3", `${t(`outages.kind.${i.product_kind}`)} · ${t("outages.area", { area: area(i) })}`),
    element("p", i.description.nl),
    definitions([[t("outages.since"), at(i.started_at)],
      [i.status === "active" ? t("outages.until") : t("outages.resolved_at"), at(i.status === "active" ? i.expected_end : i.resolved_at)]]),
    figures(i));
  if (operations && i.status === "active") {
    const outcome = element("p", "", { className: "status", role: "status" });
    li.append(button(t("outages.resolve"), () => attempt(outcome, async () => {
      await api("POST", `/agent/incidents/${encodeURIComponent(i.incident_id)}/resolution`, {});
      await showIncidents();
      say("incidents-status", t("outages.resolved"));
    }), { className: "secondary" }), outcome);
  }
  return li;
}

export async function showIncidents() {
  const operations = groups().includes("admins");
  $("incident-form").hidden = !operations;
  const data = await api("GET", "/agent/incidents");
  $("incidents-active").replaceChildren(...data.active.map((i) => incidentCard(i, operations)));
  emptyNote($("incidents-active"), t("outages.none"));
  $("incidents-resolved").replaceChildren(...data.resolved.map((i) => incidentCard(i, false)));
  emptyNote($("incidents-resolved"), t("outages.none_resolved"));
}

$("incident-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  if (!f.reportValidity()) return;
  attempt("incidents-status", async () => {
    const end = new Date(f.expected_end.value);  // the desk's own clock: Amsterdam
    await api("POST", "/agent/incidents", { product_kind: f.product_kind.value,
      area: { from: f.area_from.value.trim(), to: (f.area_to.value || f.area_from.value).trim() },
      description: { nl: f.description_nl.value.trim(), en: f.description_en.value.trim() },
      expected_end: end.toISOString() });
    f.reset();
    say("incidents-status", t("outages.reported"));
    await showIncidents();
  });
});
