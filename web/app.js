// The customer portal and the staff desk: plain pages on the same API every channel uses.
"use strict";

const state = { token: sessionStorage.getItem("token"), claims: null, base: "/me", record: null, cursor: null,
  catalogue: null, invoice: null, contact: null, working: new Map() };
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
    ["E-mail", record.contact.email], ["Phone", record.contact.phone ? `${record.contact.phone}${record.contact.phone_verified ? " (confirmed)" : ""}` : "-"], ["Segment", record.segment]]) {
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
  $("phone-form").hidden = state.base !== "/me" || !record.contact.phone || record.contact.phone_verified;
  $("email-form").hidden = state.base !== "/me" || !record.contact.pending_email;
  $("email-pending").textContent = record.contact.pending_email ? `We mailed a code to ${record.contact.pending_email} ` +
    `(locally: /local/mailbox?to=${record.contact.pending_email}). Until you type it here, we keep using ${record.contact.email}.` : "";
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
  showInvoices(await api("GET", `${state.base}/invoices`));
}

function showInvoices(data) {
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

// ---- contacts: the service funnel (self-service first; the customer chooses), history, requests

const CHANNELS = { web: "website", app: "app", phone: "phone", chat: "chat", whatsapp: "WhatsApp", messenger: "Messenger",
  x: "X", email: "e-mail", office: "office", agent: "desk" };
// whether an agent's answer left OpenCounter on the contact's channel
const DELIVERY = { sent: "sent", failed: "not delivered", sending: "sending (check before answering again)",
  in_history: "in the customer's history" };
const CONTACT_STATUS = { offered: "waiting for your choice", self_served: "solved with self-service", queued: "in the queue",
  in_progress: "being handled", resolved: "resolved", abandoned: "ended before we answered" };
const KINDS = { repair: "repair", question: "question", complaint: "complaint", change: "change", other: "other" };
const ACTIONS = { offer_payment_arrangement: "Offer a payment arrangement", follow_up_request: "Follow up a request",
  answer_open_contact: "Answer an open contact", offer_plan_switch: "Offer a plan switch",
  complete_profile: "Complete the profile", confirm_move: "Confirm the move" };
// where a self-service action is in the portal
const SECTIONS = { "/me/invoices": "invoices-title", "/me/usage": "usage-title", "/me/moves": "move-title",
  "/me/products": "products-title" };
// the office's opening hours as GET /channels gives them: {"monday": "09:00-17:30", ..., "sunday": null}
const hoursText = (hours) => Object.entries(hours || {}).filter(([, h]) => h)
  .map(([day, h]) => `${day[0].toUpperCase()}${day.slice(1, 3)} ${h.replace("-", "–")}`).join(", ") + "; bring your ID";
const channelName = (c) => CHANNELS[c] || c;
const percent = (share) => `${Math.round(share * 100)}%`;

// times in Amsterdam time, as the opening hours are
function at(iso) {
  return iso ? new Date(iso).toLocaleString("en-GB", { timeZone: "Europe/Amsterdam", weekday: "short", day: "numeric",
    month: "short", hour: "2-digit", minute: "2-digit" }) : "-";
}

function duration(seconds) {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h`
    : `${Math.round(s / 86400)} days`;
}

// "about 2 min, mostly 1–4 min"
function waitText(expected, range) {
  if (expected === null || expected === undefined) return "no estimate";
  if (Math.round(expected) === 0 && (!range || (range[1] !== null && range[1] < 1))) return "no wait";
  if (!range || range[0] === null) return `about ${duration(expected)}`;
  const [low, high] = [duration(range[0]), range[1] === null ? null : duration(range[1])];
  const unit = (text) => text.replace(/^\d+ /, "");
  const span = high === null ? `${low} or more` : unit(low) === unit(high) ? `${low.split(" ")[0]}–${high}` : `${low}–${high}`;
  return `about ${duration(expected)}, mostly ${span}`;
}

function waitLabel(expected, range) {
  const text = waitText(expected, range);
  return text === "no wait" ? text : `expected wait: ${text}`;
}

function openText(c) {
  return c.open_now ? "open now" : c.opens_at ? `closed, opens ${at(c.opens_at)}` : "closed";
}

function jump(sectionId) {
  const target = $(sectionId);
  target.scrollIntoView({ block: "start" });
  target.focus();
}

// a self-service action: a jump to the portal section that does it, or a link
function selfService(action) {
  if (SECTIONS[action.path] && state.base === "/me" && !$("record").hidden) return button(action.label, () => jump(SECTIONS[action.path]));
  if (action.path.startsWith("/me")) {
    return state.token ? element("span", action.label) : element("a", `${action.label} (sign in first)`, { href: "#sign-in" });
  }
  return element("a", action.label, { href: action.path });
}

function offerItem(c) {
  const li = item(`${c.label}: ${openText(c)}` + (c.open_now && c.channel !== "office" ? `, ${waitLabel(c.expected_wait_s, c.wait_range_s)}` : "") +
    (c.callback_available ? ", call-back available" : ""));
  if (c.channel === "office") li.append(element("p", `Visit us at the office: ${hoursText(c.opening_hours)}.`, { className: "hint" }));
  else if (c.channel === "phone" && c.callback_available) li.append(choiceButton("Call me back", c.channel, c.label));
  else if (c.open_now && c.channel !== "phone") li.append(choiceButton(`Choose ${c.label}`, c.channel, c.label));
  return li;
}

function showOffers({ contact, offers }) {
  state.contact = contact;
  const parts = [];
  if (offers.answers.length) {
    const answers = element("div", "", { className: "answers" });
    answers.append(element("h4", "Perhaps this answers it"), ...offers.answers.map((a) => {
      const article = element("article");
      article.append(element("h5", a.question), element("p", a.answer));
      return article;
    }));
    parts.push(answers);
  } else parts.push(element("p", "We found no ready answer to this one: choose how you want to reach us.", { className: "hint" }));
  if (offers.self_service.length) {
    const list = element("ul");
    list.append(...offers.self_service.map((a) => { const li = item(""); li.append(selfService(a)); return li; }));
    parts.push(element("h4", "Do it yourself, now"), list);
  }
  parts.push(choiceButton("This answered my question", "self_service"));
  for (const [title, channels] of [["Talk to us online", offers.online_help], ["Personal help", offers.personal]]) {
    const list = element("ul", "", { className: "offer-list" });
    list.append(...channels.map(offerItem));
    parts.push(element("h4", title), list);
  }
  $("offers").replaceChildren(...parts);
  $("offers").hidden = false;
}

function choiceButton(text, choice, label) {
  return Object.assign(button(text, () => choose(choice, label)), { className: "choice" });
}

async function choose(choice, label) {
  try {
    const contact = await api("POST", `/me/contacts/${encodeURIComponent(state.contact.contact_id)}/choice`, { choice });
    for (const b of $("offers").querySelectorAll("button.choice")) b.remove();  // chosen: the self-service stays
    const wait = contact.predicted_wait_s;
    say(choice === "self_service" ? "Glad that helped. You can score the answer under My contacts."
      : `${contact.callback_to ? `We'll call you back on ${contact.callback_to}` : `You're in the queue for ${label}`}: ${wait === null ? "we cannot estimate the wait now" : Math.round(wait) === 0
        ? "you're next" : `expected wait ${waitText(wait)}`}.`, true, "contact-message");
    $("contact-message").focus();
    loadContacts().catch(() => {});
  } catch (error) { say(error.message, false, "contact-message"); }
}

$("question-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("", true, "contact-message");
  try {
    showOffers(await api("POST", "/me/contacts", { question: event.target.question.value }));
    $("offers").querySelector("h4, p").setAttribute("tabindex", "-1");
    $("offers").querySelector("h4, p").focus();
    loadContacts().catch(() => {});
  } catch (error) { say(error.message, false, "contact-message"); }
});

function noteItem(n, staff) {
  const li = item(`${at(n.at)} · ${n.by}: ${n.text}`);
  if (staff) li.append(element("span", n.for_customer ? "for the customer" : "internal",
    { className: n.for_customer ? "badge" : "badge internal" }));
  return li;
}

// one contact, as the customer sees it or, with staff fields, as staff see it (messageId: where actions report)
function contactItem(c, messageId) {
  const staff = "sender" in c;
  const li = element("li");
  li.dataset.contact = c.contact_id;
  const who = !staff ? "" : c.customer_id ? ` · ${c.sender || "customer"}` : ` · unknown sender ${c.sender || ""}`;
  li.append(element("strong", c.subject), ` – ${at(c.started_at)} · ${channelName(c.channel)} · ${CONTACT_STATUS[c.status] || c.status}${who}`);
  if (staff && c.authenticated === false) li.append(element("span", "not verified", { className: "badge internal" }));
  const facts = [];
  if (c.status === "queued") facts.push(waitLabel(c.predicted_wait_s));
  if (c.callback_to) facts.push(`call back on ${c.callback_to}`);
  if (c.handler) facts.push(`handled by ${c.handler}`);
  if (c.resolved_at) facts.push(`resolved ${at(c.resolved_at)}`);
  if (staff && c.first_contact_resolution) facts.push("solved at first contact");
  if (staff && c.nps !== null) facts.push(`scored ${c.nps}/10`);
  if (c.request_id) facts.push(`request ${c.request_id}`);
  if (facts.length) li.append(element("p", facts.join(" · "), { className: "hint" }));
  if (c.solution) li.append(element("p", `Solution: ${c.solution}`));
  if (staff && c.messages.length) {
    const messages = element("ol", "", { className: "notes", ariaLabel: "Messages" });
    messages.append(...c.messages.map((m) => item(`${at(m.at)} · ${m.from} (${channelName(m.channel)}): ${m.text}` +
      (DELIVERY[m.delivery] ? ` [${DELIVERY[m.delivery]}${m.delivery_error ? `: ${m.delivery_error}` : ""}]` : ""))));
    li.append(messages);
  }
  if (c.notes.length) {
    const notes = element("ul", "", { className: "notes", ariaLabel: "Notes" });
    notes.append(...c.notes.map((n) => noteItem(n, staff)));
    li.append(notes);
  }
  if (!staff && ["resolved", "self_served"].includes(c.status)) li.append(scoreForm(c));
  if (staff) li.append(contactControls(c, messageId));
  return li;
}

function scoreForm(c) {
  const details = element("details");
  details.append(element("summary", "Score this contact"));
  const form = element("form");
  const scale = element("fieldset", "", { className: "scale" });
  scale.append(element("legend", "How likely are you to recommend us? 0 = not at all, 10 = very likely"));
  for (let n = 0; n <= 10; n++) {
    const label = element("label", String(n));
    label.append(element("input", "", { type: "radio", name: "score", value: n, required: true }));
    scale.append(label);
  }
  const comment = element("label", "Anything to add? (optional)");
  comment.append(element("input", "", { name: "comment", maxLength: 2000 }));
  form.append(scale, comment, element("button", "Send score"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { score: Number(form.score.value) };
    if (form.comment.value.trim()) body.comment = form.comment.value.trim();
    try {
      await api("POST", `/me/contacts/${encodeURIComponent(c.contact_id)}/feedback`, body);
      say(`Thank you for your score (${body.score}/10).`, true, "contacts-message");
      await loadContacts();
      $("contacts-message").focus();
    } catch (error) { say(error.message, false, "contacts-message"); }
  });
  details.append(form);
  return details;
}

async function loadContacts() {
  const data = await api("GET", "/me/contacts");
  $("contacts").replaceChildren(...data.items.map((c) => contactItem(c, "contacts-message")));
  if (!data.items.length) $("contacts").replaceChildren(item("No contacts yet."));
}

// a request, for the customer or (staff) with status, next step and the channel the customer used
function requestItem(r, staff) {
  const li = element("li");
  li.dataset.request = r.request_id;
  li.tabIndex = -1;
  li.append(element("strong", r.subject), ` – ${KINDS[r.kind] || r.kind} · ${r.status.replace(/_/g, " ")} · ` +
    `started ${at(r.created_at)} via ${channelName(r.started_channel)} · ${r.request_id}`);
  li.append(element("p", `Next step: ${r.next_step || "-"}${r.handler ? ` (handled by ${r.handler})` : ""}`, { className: "hint" }));
  const steps = element("ol", "", { className: "notes", ariaLabel: "Steps" });
  steps.append(...r.steps.map((step) => item(`${at(step.at)} · ${channelName(step.channel)} · ${step.by}: ${step.text}`)));
  li.append(steps);
  if (staff || r.status !== "done") li.append(stepForm(r, staff));
  return li;
}

function labelled(text, control) {
  const label = element("label", text);
  label.append(control);
  return label;
}

function select(name, options, value) {
  const control = element("select", "", { name });
  control.append(...Object.entries(options).map(([v, text]) => element("option", text, { value: v })));
  control.value = value;
  return control;
}

function stepForm(r, staff) {
  const details = element("details");
  details.append(element("summary", staff ? "Add a step" : "Add to this request"));
  const form = element("form", "", { className: "row" });
  form.append(labelled(staff ? "What was done or said" : "Your message",
    element("textarea", "", { name: "text", rows: 2, maxLength: 4000, required: true })));
  if (staff) {
    form.append(labelled("Status", select("status", { open: "open", in_progress: "in progress",
      waiting_for_customer: "waiting for the customer", done: "done" }, r.status === "open" ? "in_progress" : r.status)),
    labelled("Next step", element("input", "", { name: "next_step", maxLength: 500, value: r.next_step || "" })),
    labelled("Channel the customer used", select("channel", { phone: "phone", office: "office", chat: "chat", email: "e-mail",
      whatsapp: "WhatsApp", messenger: "Messenger", x: "X", "": "none (desk work)" }, "phone")));
  }
  form.append(element("button", "Add step"));
  const where = staff ? "staff-request-message" : "request-message";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { text: form.text.value, version: r.version };
    if (staff) {
      Object.assign(body, { status: form.status.value, next_step: form.next_step.value });
      if (form.channel.value) body.channel = form.channel.value;
    }
    const path = staff ? `${state.base}/requests/${encodeURIComponent(r.request_id)}/steps`
      : `/me/requests/${encodeURIComponent(r.request_id)}/steps`;
    try {
      await api("POST", path, body);
      say(`Step added to "${r.subject}".`, true, where);
    } catch (error) {
      say(error.status === 409 && /version/.test(error.message)
        ? "This request changed meanwhile; it is reloaded, please look again." : error.message, false, where);
      if (error.status !== 409) return;
    }
    await (staff ? reload360() : loadRequests());
    $(where).focus();
  });
  details.append(form);
  return details;
}

async function loadRequests() {
  const data = await api("GET", "/me/requests");
  $("requests").replaceChildren(...data.items.map((r) => requestItem(r, false)));
  if (!data.items.length) $("requests").replaceChildren(item("No requests."));
}

$("request-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const started = await api("POST", "/me/requests", { kind: form.kind.value, subject: form.subject.value, text: form.text.value });
    form.reset();
    const code = element("p");
    code.append("Your code: ", element("strong", started.resume_code, { className: "code" }));
    $("resume").replaceChildren(element("p", `Request ${started.request_id} "${started.subject}" is started.`), code,
      element("p", "Quote this code on any channel to continue: phone, chat, e-mail or at the office. We show it once."));
    $("resume").hidden = false;
    say("", true, "request-message");
    $("resume").focus();
    await loadRequests();
  } catch (error) { say(error.message, false, "request-message"); }
});

// ---- service information (public): channels with waits and service level, the live FAQ

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

function loadService() {
  return Promise.all([loadChannels(), loadFaq()]).catch((error) => say(error.message, false, "service-message"));
}

$("channels-refresh").addEventListener("click", () => loadChannels().catch((error) => say(error.message, false, "service-message")));

// ---- staff: the queue, work on a contact, the 360-degree view

function contactPath(c, action) {
  return `/agent/contacts/${encodeURIComponent(c.contact_id)}/${action}` +
    (c.customer_id ? `?customer_id=${encodeURIComponent(c.customer_id)}` : "");
}

function actionForm(summary, fields, label, submit) {
  const details = element("details");
  const form = element("form", "", { className: "row" });
  form.append(...fields, element("button", label));
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(form); });
  details.append(element("summary", summary), form);
  return details;
}

function contactControls(c, where) {
  const box = element("div", "", { className: "controls" });
  const act = (method, action, body, text) => async () => {
    try {
      const changed = await api(method, contactPath(c, action), body ? body() : undefined);
      await contactChanged(changed, text(changed), where);
    } catch (error) { say(error.message, false, where); }
  };
  if (c.status === "queued") box.append(button("Take", act("POST", "take", null, () => `You took "${c.subject}".`)));
  if (c.customer_id && where !== "record-contact-message") {
    box.append(button("Open customer", () => open(`/agent/customers/${c.customer_id}`).then(() => $("record-title").focus(),
      (error) => say(error.message, false, where))));
  }
  if (!["queued", "in_progress"].includes(c.status)) return box;
  box.append(actionForm("Note", [labelled("Note", element("textarea", "", { name: "text", rows: 2, required: true })),
    labelled("Visible to the customer", element("input", "", { name: "for_customer", type: "checkbox" }))], "Add note",
  (form) => act("POST", "notes", () => ({ text: form.text.value, for_customer: form.for_customer.checked }),
    () => "Note added.")()));
  box.append(actionForm(`Answer (${channelName(c.channel)})`, [labelled("Answer", element("textarea", "", { name: "text", rows: 2, required: true }))],
    "Send", (form) => act("POST", "notes", () => ({ text: form.text.value, for_customer: true, reply: true }), (done) => {
      const last = done.messages[done.messages.length - 1];
      return last.delivery === "failed" ? `Not delivered: ${last.delivery_error}` : last.delivery === "sent"
        ? `Sent by ${channelName(done.channel)}.` : "Answered: it is in the customer's contact history.";
    })()));
  box.append(actionForm("Resolve", [labelled("Solution", element("textarea", "", { name: "solution", rows: 2, required: true }))],
    "Resolve", (form) => act("POST", "resolution", () => ({ solution: form.solution.value }),
      (done) => `Resolved${done.first_contact_resolution ? " at first contact" : ""}.`)()));
  if (!c.customer_id) {
    const input = element("input", "", { name: "customer_id", required: true });
    const useOpen = () => {  // the customer open in the desk at the moment of the click
      if (state.base === "/me" || $("record").hidden) { say("Open a customer first, or type the customer id.", false, where); return; }
      input.value = state.record.customer_id;
      say(`Customer id of ${state.record.personal.given_name} ${state.record.personal.family_name} filled in.`, true, where);
    };
    box.append(actionForm("Link to a customer", [labelled("Customer id", input), button("Use the open customer", useOpen)],
    "Link", (form) => act("POST", "link", () => ({ customer_id: form.customer_id.value.trim() }),
      () => "Linked: the contact is in the customer's history, the sender counts as verified.")()));
  }
  return box;
}

async function contactChanged(contact, text, where) {
  if (contact.status === "in_progress") state.working.set(contact.contact_id, contact);
  else state.working.delete(contact.contact_id);
  const reloads = [loadQueue()];
  if (state.record && contact.customer_id === state.record.customer_id && !$("record").hidden) reloads.push(reload360());
  await Promise.all(reloads).catch(() => {});
  say(text, true, where);
  $(where).focus();
}

async function loadQueue() {
  const channel = $("queue-form").channel.value;
  const data = await api("GET", `/agent/queue${channel ? `?channel=${encodeURIComponent(channel)}` : ""}`);
  $("queue-list").replaceChildren(...data.items.map((c) => contactItem(c, "queue-message")));
  if (!data.items.length) $("queue-list").replaceChildren(item("Nobody is waiting."));
  $("working").replaceChildren(...[...state.working.values()].map((c) => contactItem(c, "queue-message")));
  $("working-block").hidden = !state.working.size;
}

$("queue-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadQueue().then(() => say("", true, "queue-message")).catch((error) => say(error.message, false, "queue-message"));
});

function show360(view) {
  const actions = view.next_best_actions.map((a) => item(`${ACTIONS[a.action] || a.action.replace(/_/g, " ")}: ` +
    a.why.replace(/(-?\d+) cents/g, (_, cents) => euros(Number(cents))).replace(/\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b/g, planName)));
  $("nba").replaceChildren(...(actions.length ? actions : [item("Nothing pressing.")]));
  $("nps").textContent = view.nps.responses ? `NPS ${view.nps.score} (${view.nps.responses} score${view.nps.responses > 1 ? "s" : ""})`
    : "No scores yet.";
  showInvoices({ items: view.invoices, open_balance_cents: view.open_balance_cents });
  $("payments").replaceChildren(...view.payments.map((p) => item(`${at(p.created_at)} · ${p.invoice_id} · ` +
    `${euros(p.amount_cents)}${p.method ? ` (${p.method})` : ""} · ${p.status}`)));
  if (!view.payments.length) $("payments").replaceChildren(item("No payments."));
  $("staff-contacts").replaceChildren(...view.contacts.map((c) => contactItem(c, "record-contact-message")));
  if (!view.contacts.length) $("staff-contacts").replaceChildren(item("No contacts."));
  $("staff-requests").replaceChildren(...view.open_requests.map((r) => requestItem(r, true)));
  if (!view.open_requests.length) $("staff-requests").replaceChildren(item("No open requests."));
}

async function reload360() {
  const view = await api("GET", state.base);
  showRecord(view);
  show360(view);
}

$("resume-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const found = await api("POST", "/agent/requests/resume", { resume_code: event.target.resume_code.value.trim().toUpperCase() });
    await open(`/agent/customers/${found.customer_id}`);
    say(`Request ${found.request.request_id} "${found.request.subject}" (${found.request.status.replace(/_/g, " ")}) ` +
      `of ${state.record.personal.given_name} ${state.record.personal.family_name}.`, true, "desk-message");
    const li = $("staff-requests").querySelector(`[data-request="${found.request.request_id}"]`);
    if (li) { li.scrollIntoView({ block: "center" }); li.focus(); } else $("record-title").focus();
  } catch (error) { say(error.message, false, "desk-message"); }
});

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
  for (const staff of document.querySelectorAll(".staff")) staff.hidden = base === "/me";
  await catalogue().catch(() => {});  // plan names; the record shows without them
  const record = await api("GET", base);
  showRecord(record);
  if (base !== "/me") show360(record);  // staff: the 360-degree view
  const problem = (where) => (error) => say(error.message, false, where);
  await Promise.all([loadTimeline(false), base === "/me" && loadInvoices().catch(problem("invoice-message")),
    base === "/me" && loadUsage().catch(problem("usage-message")), base === "/me" && loadContacts().catch(problem("contacts-message")),
    base === "/me" && loadRequests().catch(problem("request-message"))]);
}

async function start() {
  if (!state.token) return loadService();
  state.claims = claimsOf(state.token);
  const groups = [].concat(state.claims["cognito:groups"] || []);
  $("who").textContent = `${state.claims["cognito:username"]} (${groups.join(", ")})`;
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  if (groups.includes("customers")) {
    await open("/me");
    await afterPayment().catch((error) => say(error.message, false, "invoice-message"));
  } else {
    $("desk").hidden = $("queue").hidden = false;
    await loadQueue().catch((error) => say(error.message, false, "queue-message"));
  }
  await loadService();
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
    say(state.record.contact.pending_email ? `Saved. Confirm ${state.record.contact.pending_email} with the code we mailed to it.`
      : "Saved: in effect now, on every channel.", true);
    refreshTimelineSoon();
  } catch (error) {
    say(error.status === 409 ? "Someone changed these details meanwhile; they are reloaded, please try again." : error.message, false);
    if (error.status === 409) showRecord(await api("GET", state.base));
  }
});

// proving an address: a code sent to it (again on request), typed back
function codeForm(kind, sent, proven) {
  const where = `${kind}-message`;
  $(`${kind}-send`).addEventListener("click", async () => {
    try {
      say(sent(await api("POST", `/me/${kind}-verification`)), true, where);
      $(`${kind}-form`).code.focus();
    } catch (error) { say(error.message, false, where); }
  });
  $(`${kind}-form`).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      showRecord(await api("POST", `/me/${kind}-verification/confirmation`, { code: event.target.code.value.trim() }));
      say(proven, true);
    } catch (error) { say(error.message, false, where); }
  });
}

codeForm("email", (sent) => `We mailed a new code to ${sent.sent_to}.`,
  "Your new e-mail address is in use: sign in with it from now on.");
codeForm("phone", (sent) => `We texted a code to ${sent.sent_to} ` +
  `(locally: /local/mailbox?to=${encodeURIComponent(state.record.contact.phone)}).`, "Your phone number is confirmed.");

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
