// Invoices: what is open, each invoice with what it is for and the best-tariff saving, paying at
// once (iDEAL or card) and paying in instalments, offered only when the invoice allows it.

import { planName, productName } from "./catalogue.js";
import { debitNote, showDirectDebit } from "./direct-debit.js";
import { disputeForm } from "./disputes.js";
import { showReminders } from "./reminders.js";
import { $, attempt, button, definitions, element, emptyNote, item, labelled, say, select } from "./dom.js";
import { day, euros, month, quantity } from "./format.js";
import { t } from "./i18n.js";
import { api, state } from "./session.js";

const statusText = (status) => t(`invoices.status.${status}`);

export function invoiceRow(i, base = "#/invoices") {
  const row = element("li", "", { className: `row${i.overdue ? " overdue" : ""}` });
  row.dataset.invoice = i.invoice_id;
  const link = element("a", i.period ? month(i.period) : t(`invoices.kind.${i.kind}`), { href: `${base}/${encodeURIComponent(i.invoice_id)}` });
  row.append(link, element("span", statusText(i.status), { className: `badge ${i.status}` }),
    element("span", t("invoices.due", { date: day(i.due_on) }), { className: "hint" }),
    element("span", euros(i.balance_cents > 0 ? i.balance_cents : i.total_cents), { className: "amount" }));
  return row;
}

export async function showInvoices() {
  const [data] = await Promise.all([api("GET", "/me/invoices"), showDirectDebit()]);
  $("open-balance").textContent = data.open_balance_cents > 0 ? t("invoices.open_total", { amount: euros(data.open_balance_cents) })
    : t("invoices.nothing_open");
  $("invoices").replaceChildren(...data.items.map((i) => invoiceRow(i)));
  emptyNote($("invoices"), t("invoices.none"));
}

// one invoice, the customer's own or (base: a customer at the desk) as staff see it
export async function showInvoice(invoiceId, base = "/me") {
  const invoice = await api("GET", `${base}/invoices/${encodeURIComponent(invoiceId)}`);
  state.invoice = invoice;
  $("invoice-title").textContent = invoice.period ? t("invoice.title_period", { period: month(invoice.period) })
    : t(`invoices.kind.${invoice.kind}`);
  $("invoice-facts").replaceChildren(definitions([[t("invoice.number"), invoice.invoice_id],
    [t("invoice.status"), statusText(invoice.status)], [t("invoice.issued"), day(invoice.issued_on)],
    [t("invoice.due"), day(invoice.due_on)], [t("invoice.total"), t("invoice.total_vat", { amount: euros(invoice.total_cents), vat: euros(invoice.vat_cents) })],
    [t("invoice.paid"), euros(invoice.paid_cents)],
    ...(invoice.credited_cents ? [[t("disputes.credited"), euros(invoice.credited_cents)]] : []),
    ...(invoice.in_dispute_cents ? [[t("disputes.in_dispute"), euros(invoice.in_dispute_cents)]] : []),
    [t("invoice.left"), euros(invoice.balance_cents)]]));
  const mine = base === "/me" && invoice.status !== "void";
  $("invoice-lines").replaceChildren(...invoice.lines.map((line, index) => {
    const row = element("li", "", { className: "row" });
    row.dataset.line = index;
    const count = line.unit === "days" ? t("invoice.days", { n: line.quantity }) : quantity(line.quantity, line.unit);
    row.append(element("span", `${line.product_id ? productName(line.product_code, line.product) : ""} – ${t(`invoice.line.${line.kind}`, { plan: planName(line.plan_code, line.plan_code) })}`),
      element("span", line.unit_price_cents === null ? count : `${count} × ${euros(line.unit_price_cents)}`, { className: "hint" }),
      element("span", euros(line.amount_cents), { className: "amount" }));
    if (mine && line.amount_cents > 0) {
      row.append(disputeForm({ kind: "invoice_line", invoice_id: invoice.invoice_id, line: index }, line.amount_cents,
        ["wrong_amount", "not_mine", "not_delivered", "billed_after_cancellation", "other"]));
    }
    return row;
  }));
  showNotes(invoice, mine);
  showReminders(invoice, base === "/me");
  $("invoice-debit").replaceChildren(...debitNote(invoice));
  if (base === "/me") showActions(invoice); else $("invoice-actions").replaceChildren();
  $("invoice-back").href = base === "/me" ? "#/invoices" : `#/customers/${encodeURIComponent(base.split("/").pop())}`;
  return invoice;
}

function showNotes(invoice, mine) {
  const notes = [];
  for (const b of invoice.best_tariff.filter((x) => x.saving_cents > 0)) {
    notes.push(element("p", t("invoice.saving", { plan: planName(b.billed_plan), amount: euros(b.saving_cents),
      yours: planName(b.current_plan), would: euros(b.current_plan_cents) }), { className: "notice ok" }));
  }
  if (invoice.arrangement) {
    const list = element("ol", "", { className: "plain" });
    list.append(...invoice.arrangement.instalments.map((i) => item(t(i.paid ? "invoice.instalment_paid" : "invoice.instalment",
      { date: day(i.due_on), amount: euros(i.amount_cents) }))));
    notes.push(element("h2", t("invoice.instalments")), list);
  }
  if (invoice.payments.length) {
    const list = element("ul", "", { className: "plain" });
    list.append(...invoice.payments.map((p) => {
      const row = item(t("invoice.payment", { date: day(p.created_at),
        method: t(`methods.${p.method || "unknown"}`), amount: euros(p.amount_cents), status: t(`payments.${p.status}`) }));
      row.dataset.payment = p.payment_id;
      if (mine && p.received_cents > 0 && p.disputed_cents === 0) { // one the bank disputes is followed there
        row.append(disputeForm({ kind: "payment", payment_id: p.payment_id }, p.received_cents, ["charged_twice", "not_mine", "other"]));
      }
      return row;
    }));
    notes.push(element("h2", t("invoice.payments")), list);
  }
  if (invoice.credit_notes.length) {
    const list = element("ul", "", { className: "plain" });
    list.append(...invoice.credit_notes.map((c) => item(t("disputes.credit_note", { id: c.credit_note_id, amount: euros(c.amount_cents) }))));
    notes.push(element("h2", t("disputes.credited")), list);
  }
  if (invoice.status === "void") notes.push(element("p", t("invoice.void"), { className: "notice" }));
  $("invoice-notes").replaceChildren(...notes);
}

function showActions(invoice) {
  const box = $("invoice-actions");
  box.replaceChildren();
  const { pay, arrangement } = invoice.actions;
  if (pay) {
    box.append(element("p", t("invoice.due_now", { amount: euros(invoice.due_now_cents) }), { className: "lead" }),
      button(t("invoice.pay_ideal"), () => startPayment("ideal"), { className: "primary" }),
      button(t("invoice.pay_card"), () => startPayment("card"), { className: "secondary" }));
  }
  if (arrangement) {
    const counts = {};
    for (let n = arrangement.min_instalments; n <= arrangement.max_instalments; n++) counts[n] = t("invoice.n_months", { n });
    const form = element("form", "", { className: "inline" });
    const choice = select("instalments", counts);
    form.append(labelled(t("invoice.spread"), choice), element("button", t("invoice.arrange"), { className: "secondary" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt("invoice-status", async () => {
        await api("POST", `/me/invoices/${encodeURIComponent(invoice.invoice_id)}/arrangement`, { instalments: Number(choice.value) });
        await showInvoice(invoice.invoice_id);
        say("invoice-status", t("invoice.arranged", { n: choice.value }));
      });
    });
    box.append(form);
  }
}

async function startPayment(method) {
  const invoiceId = state.invoice.invoice_id;
  await attempt("invoice-status", async () => {
    const payment = await api("POST", `/me/invoices/${encodeURIComponent(invoiceId)}/payments`, { method });
    const back = `${location.origin}/?paid=${encodeURIComponent(invoiceId)}`;
    if (!payment.checkout_url) { say("invoice-status", t("invoice.pay_unavailable"), false); return; }
    location.assign(`${payment.checkout_url}&return_url=${encodeURIComponent(back)}`);
  });
}

// back from the bank: /?paid=<invoice>&payment_intent=...&redirect_status=succeeded|failed. The
// query is read and put away before the page is shown (the invoice's own address instead).
export function returnedPayment() {
  const query = new URLSearchParams(location.search);
  const invoiceId = query.get("paid");
  if (!invoiceId) return null;
  history.replaceState(null, "", `${location.pathname}#/invoices/${encodeURIComponent(invoiceId)}`);
  return { invoiceId, intent: query.get("payment_intent"), ok: query.get("redirect_status") === "succeeded" };
}

// the invoice once the payment's webhook is in: paid, or still waiting a moment
export async function afterPayment({ invoiceId, intent, ok }) {
  let invoice = await showInvoice(invoiceId);
  const settled = (i) => i.status === "paid" || !i.payments.some((p) => p.payment_id === intent && p.status === "pending");
  for (let tries = 0; tries < 8 && ok && !settled(invoice); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    invoice = await showInvoice(invoiceId);
  }
  say("invoice-status", t(ok ? (invoice.status === "paid" ? "invoice.paid_now" : "invoice.payment_received") : "invoice.payment_failed"), ok);
}
