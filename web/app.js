// The customer portal and the staff desk: plain pages on the same API every channel uses.
"use strict";

const state = { token: sessionStorage.getItem("token"), claims: null, base: "/me", record: null, cursor: null,
  catalogue: null, invoice: null };
const $ = (id) => document.getElementById(id);

function claimsOf(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: state.token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || response.statusText), { status: response.status });
  return data;
}

function say(text, ok, where = "message") {
  $(where).textContent = text;
  $(where).className = ok ? "ok" : "error";
}

// cents are integers: euros without floating point (-1234 -> "-€12.34")
function euros(cents) {
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}€${(abs - abs % 100) / 100}.${String(abs % 100).padStart(2, "0")}`;
}

const UNITS = { data_mb: "Data", minutes: "Calls", sms: "Text messages", kwh: "Electricity" };

function quantity(amount, unit) {
  if (unit === "data_mb") return amount >= 1024 ? `${Number((amount / 1024).toFixed(1))} GB` : `${amount} MB`;
  return `${amount} ${{ minutes: "min", sms: "SMS", kwh: "kWh" }[unit] || unit}`;
}

function element(tag, text, props) {
  return Object.assign(document.createElement(tag), { textContent: text ?? "" }, props);
}

function button(text, onClick) {
  const b = element("button", text, { type: "button" });
  b.addEventListener("click", onClick);
  return b;
}

function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function addressLine(a) {
  return `${a.street} ${a.house_number}${a.house_number_addition ? " " + a.house_number_addition : ""}, ${a.postcode} ${a.city}`;
}

function showRecord(record) {
  state.record = record;
  const p = record.personal;
  $("record-title").textContent = state.base === "/me" ? "My details" : `${p.given_name} ${p.family_name}`;
  $("personal").innerHTML = "";
  for (const [label, value] of [["Name", `${p.given_name} ${p.family_name}`], ["Born", p.birth_date],
    ["E-mail", record.contact.email], ["Phone", record.contact.phone || "-"], ["Segment", record.segment]]) {
    $("personal").append(Object.assign(document.createElement("dt"), { textContent: label }),
      Object.assign(document.createElement("dd"), { textContent: value }));
  }
  $("address").textContent = record.address ? addressLine(record.address) : "-";
  $("upcoming").textContent = record.upcoming_moves.map((m) => `Moving to ${addressLine(m)} on ${m.effective_from}`).join("; ");
  showProducts();
  $("consents").replaceChildren(...record.consents.map((c) => item(`${c.channel} / ${c.purpose}: ${c.granted ? "yes" : "no"}`)));
  const form = $("change-form");
  form.email.value = record.contact.email;
  form.phone.value = record.contact.phone || "";
  form.language.value = record.settings.language;
  form.preferred_channel.value = record.settings.preferred_channel;
  form.paperless_invoices.checked = record.settings.paperless_invoices;
}

// ---- products: change plan, cancel (the customer's own, while active)

async function catalogue() {
  if (!state.catalogue) state.catalogue = (await api("GET", "/products")).items;
  return state.catalogue;
}

function planName(code) {
  const plan = (state.catalogue || []).flatMap((p) => p.plans).find((x) => x.code === code);
  return plan ? plan.name : code;
}

function showProducts() {
  $("products").replaceChildren(...state.record.products.map((x) => {
    const status = x.status.toLowerCase();
    const li = item(`${x.name} – ${x.plan} (${!x.ends_on ? status : x.status === "ACTIVE" ? `active, ends on ${x.ends_on}`
      : `${status} on ${x.ends_on}`})`);
    li.dataset.product = x.product_id;
    if (state.base === "/me" && x.status === "ACTIVE" && !x.ends_on) li.append(productControls(x));
    return li;
  }));
}

function productControls(product) {
  const details = element("details");
  details.append(element("summary", "Change or cancel"));
  const plans = ((state.catalogue || []).find((p) => p.code === product.product_code) || { plans: [] }).plans
    .filter((plan) => plan.code !== product.plan_code);
  if (plans.length) {
    const select = element("select", "", { name: "plan_code" });
    select.append(...plans.map((plan) => element("option", `${plan.name} (${euros(plan.monthly_fee_cents)} a month)`,
      { value: plan.code })));
    const label = element("label", `New plan for ${product.name}`);
    label.append(select);
    const form = element("form", "", { className: "row" });
    form.append(label, element("button", "Change plan"));
    form.addEventListener("submit", (event) => { event.preventDefault(); changePlan(product, select.value); });
    details.append(form);
  }
  const when = element("select", "", { name: "when" });
  when.append(element("option", "At the end of the month", { value: "end_of_period" }), element("option", "Now", { value: "now" }));
  const label = element("label", `Cancel ${product.name}`);
  label.append(when);
  const form = element("form", "", { className: "row" });
  form.append(label, element("button", "Cancel product", { className: "danger" }));
  form.addEventListener("submit", (event) => { event.preventDefault(); cancelProduct(product, when.value); });
  details.append(form);
  return details;
}

function replaceProduct(product) {
  state.record.products = state.record.products.map((x) => (x.product_id === product.product_id ? product : x));
  showProducts();
  // the controls were drawn anew: keep the keyboard where it was, or on the message
  ($("products").querySelector(`[data-product="${product.product_id}"] summary`) || $("product-message")).focus();
  refreshTimelineSoon();
}

async function changePlan(product, planCode) {
  try {
    const changed = await api("PATCH", `/me/products/${product.product_id}`, { plan_code: planCode, version: product.version });
    const { proration: p } = changed;
    replaceProduct(changed);
    say(`${changed.name} is on ${changed.plan} now. From today: ${euros(Math.abs(p.net_cents))} ` +
      `${p.net_cents < 0 ? "less" : "more"} this month (${p.days_left} of ${p.days_in_month} days: ` +
      `${euros(p.charge_cents)} on ${changed.plan}, ${euros(-p.credit_cents)} back for ${product.plan}).`, true, "product-message");
    loadUsage().catch(() => {});
  } catch (error) {
    say(error.message, false, "product-message");
    if (error.status === 409) showRecord(await api("GET", state.base));
  }
}

async function cancelProduct(product, when) {
  const moment = when === "now" ? "today" : "at the end of this month";
  if (!confirm(`Cancel ${product.name} (${product.plan}) ${moment}?`)) return;
  try {
    const cancelled = await api("POST", `/me/products/${product.product_id}/cancellation`, { when });
    replaceProduct(cancelled);
    say(`${cancelled.name} is cancelled${when === "now" ? " from today" : `: it ends on ${cancelled.ends_on}`}.`, true, "product-message");
  } catch (error) { say(error.message, false, "product-message"); }
}

// ---- usage this month (or another)

async function loadUsage() {
  const form = $("usage-form");
  const data = await api("GET", `/me/usage${form.period.value ? `?period=${encodeURIComponent(form.period.value)}` : ""}`);
  form.period.value = data.period;
  $("usage").replaceChildren(...data.products.map((product) => {
    const article = element("article");
    article.append(element("h4", `${product.name} – ${product.plan}`));
    const list = element("ul", "", { className: "usage" });
    for (const u of product.usage) {
      const li = item(`${UNITS[u.unit] || u.unit}: ${quantity(u.used, u.unit)}` + (u.included === null ? " (unlimited)"
        : u.included > 0 ? ` of ${quantity(u.included, u.unit)}` : "") +
        (u.beyond_bundle > 0 && u.included > 0 ? `, ${quantity(u.beyond_bundle, u.unit)} beyond your bundle` : ""));
      if (u.included > 0) {
        const meter = element("meter", "", { min: 0, max: u.included, value: Math.min(u.used, u.included) });
        meter.setAttribute("aria-label", `${UNITS[u.unit] || u.unit}: share of the bundle used`);
        li.append(meter);
      }
      list.append(li);
    }
    article.append(list);
    if (!product.records) article.append(element("p", "Nothing used yet this month.", { className: "hint" }));
    return article;
  }));
  if (!data.products.length) $("usage").replaceChildren(element("p", "No products to show use for.", { className: "hint" }));
}

// ---- invoices: the customer's own (/me/invoices) or, at the desk, the open customer's

const STATUS = { open: "open", overdue: "overdue", paid: "paid", in_arrangement: "in instalments", void: "void" };

async function loadInvoices() {
  const data = await api("GET", `${state.base}/invoices`);
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
async function afterPayment() {
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

async function loadTimeline(more) {
  const query = more && state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : "";
  const page = await api("GET", `${state.base}/timeline${query}`);
  const entries = page.items.map((e) => item(`${e.occurred_at.slice(0, 16).replace("T", " ")} · ${e.title} · ${e.channel}`));
  if (more) $("timeline").append(...entries); else $("timeline").replaceChildren(...entries);
  state.cursor = page.next_cursor;
  $("more").hidden = !state.cursor;
}

async function open(base) {
  state.base = base;
  $("record").hidden = false;
  $("invoice").hidden = true;
  for (const mine of document.querySelectorAll(".mine")) mine.hidden = base !== "/me";
  await catalogue().catch(() => {});  // plan names; the record shows without them
  showRecord(await api("GET", base));
  const problem = (where) => (error) => say(error.message, false, where);
  await Promise.all([loadTimeline(false), loadInvoices().catch(problem("invoice-message")),
    base === "/me" && loadUsage().catch(problem("usage-message"))]);
}

async function start() {
  if (!state.token) return;
  state.claims = claimsOf(state.token);
  const groups = [].concat(state.claims["cognito:groups"] || []);
  $("who").textContent = `${state.claims["cognito:username"]} (${groups.join(", ")})`;
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  if (groups.includes("customers")) {
    await open("/me");
    await afterPayment().catch((error) => say(error.message, false, "invoice-message"));
  } else $("desk").hidden = false;
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const response = await fetch("/local/auth/sign-in", {
    method: "POST", body: JSON.stringify({ username: form.username.value, password: form.password.value }),
  });
  let data = await response.json();
  if (!response.ok) { alert(data.message); return; }
  if (data.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    // first sign-in with the invitation's temporary password: choose your own
    const chosen = prompt("Choose your password (at least 12 characters, upper and lower case, a digit)");
    if (!chosen) return;
    const answer = await fetch("/local/auth/respond-to-challenge", {
      method: "POST", body: JSON.stringify({ ChallengeName: data.ChallengeName, Session: data.Session,
        ChallengeResponses: { USERNAME: form.username.value, NEW_PASSWORD: chosen } }),
    });
    data = await answer.json();
    if (!answer.ok) { alert(data.message); return; }
  }
  state.token = data.AuthenticationResult.IdToken;
  sessionStorage.setItem("token", state.token);
  await start();
});

$("sign-out").addEventListener("click", () => { sessionStorage.removeItem("token"); location.reload(); });

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const found = await api("GET", `/agent/customers?email=${encodeURIComponent(event.target.email.value)}`);
  $("search-results").replaceChildren(...found.items.map((c) => {
    const li = item(`${c.name} <${c.email}> `);
    const button = Object.assign(document.createElement("button"), { textContent: "Open" });
    button.addEventListener("click", () => open(`/agent/customers/${c.customer_id}`));
    li.append(button);
    return li;
  }));
});

$("change-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const contact = { email: form.email.value };
  if (form.phone.value) contact.phone = form.phone.value;
  try {
    showRecord(await api("PATCH", state.base, {
      version: state.record.version, contact,
      settings: { language: form.language.value, preferred_channel: form.preferred_channel.value,
        paperless_invoices: form.paperless_invoices.checked },
    }));
    say("Saved: in effect now, on every channel.", true);
    refreshTimelineSoon();
  } catch (error) {
    say(error.status === 409 ? "Someone changed these details meanwhile; they are reloaded, please try again." : error.message, false);
    if (error.status === 409) showRecord(await api("GET", state.base));
  }
});

$("move-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const move = { street: form.street.value, house_number: Number(form.house_number.value),
    postcode: form.postcode.value, city: form.city.value, move_date: form.move_date.value };
  if (form.house_number_addition.value) move.house_number_addition = form.house_number_addition.value;
  try {
    await api("POST", `${state.base}/moves`, move);
    say("Move registered.", true);
    showRecord(await api("GET", state.base));
    refreshTimelineSoon();
  } catch (error) { say(error.message, false); }
});

// a change reaches the timeline through the event bus, a moment after the change itself
function refreshTimelineSoon() {
  for (const delay of [400, 1500]) setTimeout(() => loadTimeline(false).catch(() => {}), delay);
}

$("more").addEventListener("click", () => loadTimeline(true));

$("usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  say("", true, "usage-message");
  loadUsage().catch((error) => say(error.message, false, "usage-message"));
});

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
start().catch((error) => { sessionStorage.removeItem("token"); say(error.message, false); });
