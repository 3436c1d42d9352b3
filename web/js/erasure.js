// "Alles laten wissen", a part of the customer's privacy page (GDPR art. 17): what erasing
// everything takes away and what the law makes us keep (invoices, seven years, without a name);
// what stands in the way, in words, each with a link to settle it; a confirmation ticked before the
// request goes; then the answer that it is under way, and signing out (the login goes with it).

import { signOut } from "./auth.js";
import { attempt, button, element, labelled, say, status } from "./dom.js";
import { day, euros, month } from "./format.js";
import { t } from "./i18n.js";
import { customerPart } from "./privacy.js";
import { api } from "./session.js";

const OPEN = ["RECEIVED", "IN_PROGRESS"];

// where the customer settles each kind of blocker
const SETTLE = {
  invoice_unpaid: (b) => `#/invoices/${b.id}`,
  arrangement_running: (b) => `#/invoices/${b.id}`,
  dispute_running: (b) => `#/disputes/${b.id}`,
  chargeback_running: (b) => (b.invoice_id ? `#/invoices/${b.invoice_id}` : "#/invoices"),
  product_active: () => "#/products",
  product_ending: () => "#/products",
  final_invoice_pending: () => "#/invoices",
  order_pending: () => "#/appointments",
  appointment_planned: () => "#/appointments",
};

function blockerText(b) {
  return t(`erasure.blocker.${b.kind}`, {
    id: b.id, name: b.name || "", invoice_id: b.invoice_id || "", amount: euros(b.amount_cents || 0),
    due_on: day(b.due_on), ends_on: day(b.ends_on), period: b.period ? month(b.period) : "",
    expected_on: day(b.expected_on), date: day(b.date),
  });
}

function blockerList(blockers) {
  const list = element("ul", "", { className: "erasure-blockers" });
  for (const b of blockers) {
    const entry = element("li", "");
    entry.dataset.blocker = b.kind;
    entry.append(element("span", `${blockerText(b)} `),
      element("a", t(`erasure.act.${b.kind}`), { href: (SETTLE[b.kind] || (() => "#/"))(b) }));
    list.append(entry);
  }
  return list;
}

function whatGoes(kept) {
  const erased = element("ul");
  for (const key of ["erased_account", "erased_details", "erased_messages", "erased_history"]) {
    erased.append(element("li", t(`erasure.${key}`)));
  }
  return [element("h3", t("erasure.erased_title")), erased, element("h3", t("erasure.kept_title")),
    element("p", kept.invoices ? t("erasure.kept_invoices", { date: day(kept.until) }) : t("erasure.kept_none"))];
}

function underWay(box) {
  box.replaceChildren(element("p", t("erasure.under_way"), { className: "status ok", role: "status" }),
    button(t("erasure.sign_out"), () => signOut(), { id: "erasure-sign-out" }));
}

function askForm(box, refresh) {
  const form = element("form", "", { className: "stack", id: "erasure-form" });
  const tick = element("input", "", { type: "checkbox", name: "confirm" });
  const result = status();
  form.append(labelled(t("erasure.confirm"), tick), element("button", t("erasure.ask"), { className: "danger" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!tick.checked) {
      say(result, t("erasure.confirm_first"), false);
      tick.focus();
      return;
    }
    attempt(result, async () => {
      try {
        const answer = await api("POST", "/me/data-requests/erasure", { confirm: true });
        if (answer.request && OPEN.includes(answer.request.status)) underWay(box);
        else await refresh();
      } catch (error) {
        if (error.reason !== "erasure_blocked") throw error;
        box.replaceChildren(element("p", t("erasure.blocked"), { className: "status error", role: "status" }),
          blockerList(error.params.blockers || []));
      }
    });
  });
  return form;
}

async function render(container) {
  const erasure = await api("GET", "/me/data-requests/erasure");
  const section = element("section", "", { className: "card erasure" });
  section.setAttribute("aria-labelledby", "erasure-title");
  const box = element("div", "", { className: "stack", id: "erasure-action" });
  section.append(element("h2", t("erasure.title"), { id: "erasure-title" }), element("p", t("erasure.lead")),
    ...whatGoes(erasure.kept), box);
  const request = erasure.request;
  if (request && OPEN.includes(request.status)) {
    underWay(box);
  } else if (erasure.blockers.length) {
    box.append(element("p", t("erasure.blocked")), blockerList(erasure.blockers));
  } else {
    if (request && request.status === "REFUSED") box.append(element("p", t("erasure.refused", { date: day(request.received_at) })));
    box.append(askForm(box, () => render(container)));
  }
  container.replaceChildren(section);
}

customerPart(render);
