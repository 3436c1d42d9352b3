// Mailings at the desk: operations write an offer in Dutch and English and send it to the
// customers (of a product kind) who consented to offers by e-mail; every colleague sees how each
// mailing went, as bars: sent, not sent for want of consent, refused by the mail provider.

import { scale } from "./charts.js";
import { $, attempt, element, emptyNote, say } from "./dom.js";
import { at, number } from "./format.js";
import { t } from "./i18n.js";
import { api, groups } from "./session.js";

const OUTCOMES = ["sent", "not_consented", "failed"];

function figures(m) {
  return scale(OUTCOMES.map((o) => ({ label: t(`mailings.count.${o}`), value: number(m.counts[o]), amount: m.counts[o] })));
}

function card(m) {
  const li = element("li", "", { className: "card" });
  li.dataset.mailing = m.mailing_id;
  const kind = m.product_kind ? t(`mailings.kind.${m.product_kind}`) : t("mailings.kind.all");
  li.append(element("h3", m.name), element("p", m.subject.nl, { className: "hint" }),
    element("p", t("mailings.sent_by", { who: m.sent_by.name || m.sent_by.id, when: at(m.started_at), kind }),
      { className: "hint" }), figures(m));
  return li;
}

export async function showMailings() {
  $("mailing-form").hidden = !groups().includes("admins");
  const data = await api("GET", "/agent/mailings");
  $("mailings").replaceChildren(...data.items.map(card));
  emptyNote($("mailings"), t("mailings.none"));
}

$("mailing-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = e.target;
  if (!f.reportValidity()) return;
  attempt("mailing-status", async () => {
    const body = { name: f.name.value.trim(), subject: { nl: f.subject_nl.value.trim(), en: f.subject_en.value.trim() },
      body: { nl: f.body_nl.value.trim(), en: f.body_en.value.trim() } };
    if (f.product_kind.value) body.product_kind = f.product_kind.value;
    await api("POST", "/agent/mailings", body);
    f.reset();
    say("mailing-status", t("mailings.started"));
    await showMailings();
  });
});
