// Invoices: the customer's own (/me/invoices) or, at the desk, the open customer's; one invoice
// with its lines and best-tariff notes; paying at once and paying in instalments.

import { $, button, element, item, say } from "./dom.js";
import { euros, quantity } from "./format.js";
import { planName } from "./products.js";
import { api, state } from "./session.js";

const STATUS = { open: "open", overdue: "overdue", paid: "paid", in_arrangement: "in instalments", void: "void" };

export async function loadInvoices() {
  showInvoices(await api("GET", `${state.base}/invoices`));
}

export function showInvoices(data) {
  $("open-balance").textContent = data.items.length ? `Open in total: ${euros(data.open_balance_cents)}` : "No invoices yet.";
  $("invoices").hidden = !data.items.length;
  $("invoices").tBodies[0].replaceChildren(...data.items.map((i) => {
    const row = element("tr", "", { className: i.overdue ? "overdue" : "" });
    const cell = element("td");
    cell.append(button(i.invoice_id, () => showInvoice(i.invoice_id, true).catch((error) => say(error.message, false, "invoice-message"))));
    row.append(cell, element("td", i.period || i.kind), element("td", i.due_on), element("td", STATUS[i.status] || i.status),
      element("td", euros(i.total_cents), { className: "amount" }), element("td", euros(i.balance_cents), { className: "amount" }));
    return row;
  }));
}

async function showInvoice(invoiceId, focus) {
  const invoice = await api("GET", `${state.base}/invoices/${encodeURIComponent(invoiceId)}`);
  state.invoice = invoice;
  $("invoice").hidden = false;
  $("invoice-title").textContent = `Invoice ${invoice.invoice_id}${invoice.period ? ` (${invoice.period})` : ""}`;
  $("invoice-facts").replaceChildren(...[["Status", STATUS[invoice.status] || invoice.status], ["Issued", invoice.issued_on],
    ["Due", invoice.due_on], ["Total", `${euros(invoice.total_cents)} (VAT ${euros(invoice.vat_cents)})`],
    ["Paid", euros(invoice.paid_cents)], ["Still to pay", euros(invoice.balance_cents)]]
    .flatMap(([label, value]) => [element("dt", label), element("dd", value)]));
  $("invoice-lines").tBodies[0].replaceChildren(...invoice.lines.map((line) => {
    const row = element("tr");
    const count = line.unit === "days" ? `${line.quantity} days` : quantity(line.quantity, line.unit);
    row.append(element("td", line.product || ""), element("td", line.description),
      element("td", line.unit_price_cents === null ? count : `${count} × ${euros(line.unit_price_cents)}`),
      element("td", euros(line.amount_cents), { className: "amount" }));
    return row;
  }));
  const notes = invoice.best_tariff.filter((b) => b.saving_cents > 0).map((b) => {
    const product = invoice.lines.find((l) => l.product_id === b.product_id);
    return item(`${product ? product.product + ": " : ""}billed at ${planName(b.billed_plan)}, the cheapest for your use: ` +
      `you saved ${euros(b.saving_cents)} (on ${planName(b.current_plan)} it would have been ${euros(b.current_plan_cents)}).`);
  });
  if (invoice.void_reason) notes.push(item(`Void: ${invoice.void_reason}`));
  if (invoice.arrangement) {
    const li = item(`In instalments (agreed ${invoice.arrangement.agreed_at.slice(0, 10)}):`);
    const list = element("ol");
    list.append(...invoice.arrangement.instalments.map((i) => item(`${i.due_on}: ${euros(i.amount_cents)}${i.paid ? " – paid" : ""}`)));
    li.append(list);
    notes.push(li);
  }
  notes.push(...invoice.payments.map((p) => item(`Payment ${p.created_at.slice(0, 10)}${p.method ? ` (${p.method})` : ""}: ` +
    `${euros(p.amount_cents)}, ${p.status}` + (p.refunded_cents ? `, ${euros(p.refunded_cents)} refunded` : "") +
    (p.disputed_cents ? `, ${euros(p.disputed_cents)} disputed` : "") + (p.last_error ? ` – ${p.last_error}` : ""))));
  $("invoice-notes").replaceChildren(...notes);
  const payable = invoice.due_now_cents > 0 && !["paid", "void"].includes(invoice.status);
  $("pay-now").hidden = !payable;
  $("pay-amount").textContent = `Due now: ${euros(invoice.due_now_cents)}`;
  $("arrangement-form").hidden = !["open", "overdue"].includes(invoice.status);
  if (focus) $("invoice").focus();
  return invoice;
}

async function pay(method) {
  const invoiceId = state.invoice.invoice_id;
  try {
    const payment = await api("POST", `/me/invoices/${encodeURIComponent(invoiceId)}/payments`, { method });
    if (!payment.checkout_url) { say("Payments are completed with Stripe.js in production.", false, "invoice-message"); return; }
    const back = `${location.origin}${location.pathname}?paid=${encodeURIComponent(invoiceId)}`;
    location.assign(`${payment.checkout_url}&return_url=${encodeURIComponent(back)}`);
  } catch (error) { say(error.message, false, "invoice-message"); }
}

// back from the bank: ?paid=<invoice>&payment_intent=...&redirect_status=succeeded|failed
export async function afterPayment() {
  const query = new URLSearchParams(location.search);
  const invoiceId = query.get("paid");
  if (!invoiceId) return;
  history.replaceState(null, "", location.pathname);
  const ok = query.get("redirect_status") === "succeeded";
  say(ok ? "Payment received: thank you." : "The payment did not go through.", ok, "invoice-message");
  let invoice = await showInvoice(invoiceId, true);
  const settled = (i) => i.status === "paid" || !i.payments.some((p) => p.payment_id === query.get("payment_intent") && p.status === "pending");
  for (let tries = 0; tries < 6 && !settled(invoice); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    invoice = await showInvoice(invoiceId);
  }
  if (ok && invoice.status === "paid") say("Payment received: your invoice is paid.", true, "invoice-message");
  await loadInvoices();
}

for (const b of $("pay-now").querySelectorAll("button")) b.addEventListener("click", () => pay(b.dataset.method));

$("arrangement-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const instalments = Number(event.target.instalments.value);
  try {
    await api("POST", `/me/invoices/${encodeURIComponent(state.invoice.invoice_id)}/arrangement`, { instalments });
    say(`Agreed: ${instalments} monthly instalments.`, true, "invoice-message");
    await showInvoice(state.invoice.invoice_id);
    await loadInvoices();
  } catch (error) { say(error.message, false, "invoice-message"); }
});
