// The reminders before collection on an invoice's page. The customer reads what was sent and what
// it asks (the reminder's day; the statutory reminder's last day to pay and the collection costs it
// avoids); staff read the whole schedule: each step taken or planned, why it stopped, and when the
// invoice is ready for collection with the costs that may then be claimed (never charged by itself).

import { $, definitions, element } from "./dom.js";
import { day, euros } from "./format.js";
import { t } from "./i18n.js";

export function showReminders(invoice, mine) {
  const box = $("invoice-reminders");
  const r = invoice.reminders;
  box.replaceChildren(...(!r ? [] : mine ? forCustomer(r) : forStaff(r)));
}

function forCustomer(r) {
  const lines = [];
  if (r.reminder) lines.push(element("p", t("reminders.reminded", { date: day(r.reminder.on) }), { className: "notice" }));
  const final = r.final_notice;
  if (final && !r.stopped && !r.ready_for_collection) {
    lines.push(element("p", t("reminders.final_notice", { date: day(final.on), by: day(final.pay_by),
      costs: euros(final.collection_costs_cents) }), { className: "notice warn" }));
  } else if (final) {
    lines.push(element("p", t("reminders.final_notice_sent", { date: day(final.on) }), { className: "notice" }));
  }
  if (r.ready_for_collection && !r.stopped) {
    lines.push(element("p", t("reminders.term_passed", { date: day(final.pay_by),
      costs: euros(r.ready_for_collection.collection_costs_cents) }), { className: "notice warn" }));
  }
  if (r.stopped === "in_dispute" && (r.reminder || final)) {
    lines.push(element("p", t("reminders.paused_in_dispute"), { className: "notice" }));
  }
  return lines;
}

function forStaff(r) {
  const planned = (step) => (r.next && r.next.step === step ? t("reminders.staff.planned", { date: day(r.next.on) }) : "–");
  const final = r.final_notice;
  const ready = r.ready_for_collection;
  const rows = [
    [t("reminders.staff.reminder"), r.reminder
      ? t("reminders.staff.sent", { date: day(r.reminder.on), amount: euros(r.reminder.amount_cents) }) : planned("reminder")],
    [t("reminders.staff.final_notice"), final
      ? t("reminders.staff.final_sent", { date: day(final.on), amount: euros(final.amount_cents), by: day(final.pay_by),
        costs: euros(final.collection_costs_cents) }) : planned("final_notice")],
    [t("reminders.staff.collection"), ready
      ? t("reminders.staff.ready", { date: day(ready.on), amount: euros(ready.amount_cents),
        costs: euros(ready.collection_costs_cents) }) : planned("ready_for_collection")],
  ];
  if (r.stopped) rows.push([t("reminders.staff.stopped"), t(`reminders.stopped.${r.stopped}`)]);
  const parts = [element("h2", t("reminders.staff.title")), definitions(rows)];
  if (ready && !r.stopped) {
    parts.push(element("p", t(ready.costs_claimable ? "reminders.staff.ready_note" : "reminders.staff.not_claimable"),
      { className: "notice warn" }));
  }
  return parts;
}
