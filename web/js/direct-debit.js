// Paying by direct debit (automatische incasso): on the invoices page the customer sees how they pay
// (by direct debit from their account, masked, or by hand), gives a SEPA mandate at the bank's page
// (Stripe's, or locally the test bank's) or withdraws it and pays by hand again; on an invoice's page
// when it is collected, or why the bank returned it. Staff read the same on the 360 view.

import { $, attempt, button, definitions, element, say } from "./dom.js";
import { day, euros } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

// the invoices page's section: the way of paying, and what can be done about it
export async function showDirectDebit() {
  const data = await api("GET", "/me/direct-debit");
  const box = $("direct-debit");
  const m = data.mandate;
  const parts = [element("h2", t("direct_debit.title"))];
  if (data.method === "direct_debit") {
    parts.push(element("p", t("direct_debit.active", { iban: m.iban }), { className: "notice ok" }),
      definitions([[t("direct_debit.account"), m.iban], [t("direct_debit.reference"), m.reference || "–"],
        [t("direct_debit.since"), day(m.accepted_at || m.created_at)]]),
      button(t("direct_debit.withdraw"), () => withdraw(m.mandate_id), { className: "secondary" }));
  } else {
    parts.push(element("p", t("direct_debit.manual"), { className: "lead" }),
      element("p", t("direct_debit.explain"), { className: "hint" }),
      button(t("direct_debit.give"), giveMandate, { className: "primary" }));
  }
  box.replaceChildren(...parts);
}

async function giveMandate() {
  await attempt("direct-debit-status", async () => {
    const setup = await api("POST", "/me/direct-debit/mandates");
    if (!setup.confirm_url) { say("direct-debit-status", t("direct_debit.unavailable"), false); return; }
    const back = `${location.origin}/?mandate=given`;
    location.assign(`${setup.confirm_url}&return_url=${encodeURIComponent(back)}`);
  });
}

async function withdraw(mandateId) {
  await attempt("direct-debit-status", async () => {
    await api("DELETE", `/me/direct-debit/mandates/${encodeURIComponent(mandateId)}`);
    await showDirectDebit();
    say("direct-debit-status", t("direct_debit.withdrawn"));
  });
}

// back from the bank's mandate page: /?mandate=given&setup_intent=...; the query is put away and the
// invoices page shown, where the mandate appears once its webhook is in
export function returnedMandate() {
  if (!new URLSearchParams(location.search).get("mandate")) return false;
  history.replaceState(null, "", `${location.pathname}#/invoices`);
  return true;
}

// an invoice's collection, as a line on its page (the customer's and staff's)
export function debitNote(invoice) {
  const d = invoice.debit;
  if (!d) return [];
  if (d.status === "returned") {
    return [element("p", t("direct_debit.returned", { date: day(d.returned.on),
      reason: t(`direct_debit.reasons.${d.returned.reason}`) }), { className: "notice warn" })];
  }
  if (d.status === "stopped") return [element("p", t("direct_debit.by_hand"), { className: "notice" })];
  if (d.status === "collected") return [element("p", t("direct_debit.collected", { amount: euros(d.amount_cents) }), { className: "notice ok" })];
  const key = d.status === "announced" ? "direct_debit.announced" : "direct_debit.processing";
  return [element("p", t(key, { date: day(d.collect_on), amount: euros(d.amount_cents) }), { className: "notice" })];
}

// the 360 view's line on how the customer pays
export function collectionText(collection) {
  if (!collection || collection.method !== "direct_debit") return t("direct_debit.staff.manual");
  return t("direct_debit.staff.active", { iban: collection.mandate.iban, status: t(`direct_debit.status.${collection.mandate.status}`) });
}
