// The staff desk: find a customer from whatever they have at hand, the queue of waiting contacts,
// working on a contact (take, note, answer, resolve, link an unknown sender), and the 360-degree
// view of a customer, where staff act on the customer's behalf: record a visit or a call, start a
// request, register a move, order, change or cancel a product or a planned visit, send a link to pay
// an invoice.

import { appointmentItem, toPlanCard } from "./appointments.js";
import { callbackWhen } from "./callbacks.js";
import { catalogue, planName } from "./catalogue.js";
import { customerComplaints } from "./complaints.js";
import { contactItem, conversation } from "./contacts.js";
import { collectionText } from "./direct-debit.js";
import { $, attempt, button, definitions, element, emptyNote, item, labelled, say, select, status } from "./dom.js";
import { errorText } from "./errors.js";
import { addressLine, at, channelName, day, euros } from "./format.js";
import { loadTimeline } from "./history.js";
import { t } from "./i18n.js";
import { disputeRow } from "./disputes.js";
import { invoiceRow } from "./invoices.js";
import { messageItem } from "./messages.js";
import { ordering } from "./orders.js";
import { productCard } from "./products.js";
import { quoting } from "./quotes.js";
import { requestItem, requestOf } from "./requests.js";
import { api, state } from "./session.js";
import { moveOf, personalFacts } from "./settings.js";

function contactPath(c, action) {
  return `/agent/contacts/${encodeURIComponent(c.contact_id)}${action ? `/${action}` : ""}` +
    (c.customer_id ? `?customer_id=${encodeURIComponent(c.customer_id)}` : "");
}

function actionForm(summary, fields, label, submit) {
  const details = element("details");
  const form = element("form", "", { className: "stack" });
  form.append(...fields, element("button", label, { className: "primary" }));
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(form); });
  details.append(element("summary", summary), form);
  return details;
}

function contactControls(c) {
  const box = element("div", "", { className: "controls" });
  const result = status();
  const act = (action, body, text) => () => attempt(result, async () => {
    const changed = await api("POST", contactPath(c, action), body ? body() : undefined);
    if (changed.status === "in_progress") state.working.set(changed.contact_id, changed); else state.working.delete(changed.contact_id);
    await refresh(changed);
    say(result.isConnected ? result : "queue-status", text(changed));
  });
  if (c.status === "queued") box.append(button(t("desk.take"), act("take", null, () => t("desk.taken", { subject: c.subject })), { className: "primary" }));
  if (c.customer_id && state.base !== `/agent/customers/${c.customer_id}`) {
    box.append(element("a", t("desk.open_customer"), { href: `#/customers/${encodeURIComponent(c.customer_id)}`, className: "button secondary" }));
  }
  if (["queued", "in_progress"].includes(c.status)) {
    box.append(actionForm(t("desk.note"), [labelled(t("desk.note"), element("textarea", "", { name: "text", rows: 2, required: true })),
      labelled(t("desk.for_customer"), element("input", "", { name: "for_customer", type: "checkbox" }))], t("desk.add_note"),
    (form) => act("notes", () => ({ text: form.text.value, for_customer: form.for_customer.checked }), () => t("desk.noted"))()));
    box.append(actionForm(t("desk.answer", { channel: channelName(c.channel) }), [labelled(t("desk.answer_text"),
      element("textarea", "", { name: "text", rows: 2, required: true }))], t("desk.send"),
    (form) => act("notes", () => ({ text: form.text.value, for_customer: true, reply: true }), (done) => {
      const last = done.messages[done.messages.length - 1];
      return t(`desk.delivery.${last.delivery}`, { channel: channelName(done.channel) });
    })()));
    box.append(actionForm(t("desk.resolve"), [labelled(t("desk.solution"), element("textarea", "", { name: "solution", rows: 2, required: true }))],
      t("desk.resolve"), (form) => act("resolution", () => ({ solution: form.solution.value }),
        (done) => t(done.first_contact_resolution ? "desk.resolved_first" : "desk.resolved"))()));
    if (!c.customer_id) {
      box.append(actionForm(t("desk.link"), [labelled(t("desk.customer_id"), element("input", "", { name: "customer_id", required: true }))],
        t("desk.link"), (form) => act("link", () => ({ customer_id: form.customer_id.value.trim() }), () => t("desk.linked"))()));
    }
  }
  box.append(result);
  return box;
}

// open contacts on the page stay live: what the customer writes meanwhile shows by itself
const LIVE_MS = 2000;
let liveTimer = null;

function keepLive() {
  clearTimeout(liveTimer);
  liveTimer = setTimeout(async () => {
    const shown = [...document.querySelectorAll("[data-page]:not([hidden]) li[data-live]")];
    for (const li of shown) {
      const contact = await api("GET", contactPath({ contact_id: li.dataset.contact, customer_id: li.dataset.customer })).catch(() => null);
      if (!contact || String(contact.messages.length) === li.dataset.live) continue;
      const fresh = conversation(contact.messages, true);
      const old = li.querySelector("ol.messages");
      const anchor = li.querySelector("h4, .controls");
      if (old) old.replaceWith(fresh); else if (anchor) anchor.before(fresh); else li.append(fresh);
      li.dataset.live = String(contact.messages.length);
      if (state.working.has(contact.contact_id)) state.working.set(contact.contact_id, contact);
    }
    if (shown.length) keepLive();
  }, LIVE_MS);
}

async function refresh(contact) {
  if (state.base.startsWith("/agent/customers/") && contact.customer_id && state.base.endsWith(contact.customer_id)) await show360();
  else await showQueue();
}

export async function showQueue() {
  state.base = "/agent";
  const channel = $("queue-form").channel.value;
  const data = await api("GET", `/agent/queue${channel ? `?channel=${encodeURIComponent(channel)}` : ""}`);
  $("queue-list").replaceChildren(...data.items.map((c) => contactItem(c, contactControls)));
  emptyNote($("queue-list"), t("queue.nobody"));
  $("working").replaceChildren(...[...state.working.values()].map((c) => contactItem(c, contactControls)));
  $("working-block").hidden = !state.working.size;
  keepLive();
}

$("queue-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt("queue-status", showQueue);
});

export async function showCustomer(customerId) {
  state.base = `/agent/customers/${customerId}`;
  await show360();
}

async function show360() {
  await catalogue().catch(() => {});  // plan names and the plans a product can move to
  const view = await api("GET", state.base);
  state.record = view;
  $("customer-title").textContent = `${view.personal.given_name} ${view.personal.family_name}`;
  $("nba").replaceChildren(...view.next_best_actions.map((a) => item(t(`actions.${a.action}`, readable(a.params)))));
  emptyNote($("nba"), t("customer.nothing_pressing"));
  $("nps").textContent = view.nps.responses ? t("customer.nps", { score: view.nps.score, n: view.nps.responses }) : t("customer.no_scores");
  $("customer-personal").replaceChildren(personalFacts(view));
  $("customer-value").replaceChildren(valueFacts(view));
  $("customer-products").replaceChildren(...view.products.map((p) => productCard(p, state.base, show360)));
  emptyNote($("customer-products"), t("products.none"));
  const postcode = view.address ? view.address.postcode : "";
  $("customer-appointments").replaceChildren(...view.to_plan.map((p) => toPlanCard(p, postcode, state.base, show360, "h3")),
    ...view.planned_contacts.map((a) => (a.kind === "callback" ? callbackItem(a)
      : appointmentItem(a, state.base, show360, postcode, "h3"))));
  emptyNote($("customer-appointments"), t("appointments.none"));
  $("customer-invoices").replaceChildren(...view.invoices.map((i) => withPaymentLink(
    invoiceRow(i, `#/customers/${encodeURIComponent(view.customer_id)}/invoices`), i)));
  emptyNote($("customer-invoices"), t("invoices.none"));
  $("customer-collection").textContent = collectionText(view.collection);
  $("payments").replaceChildren(...view.payments.map((p) => item(t("customer.payment", { date: at(p.created_at), amount: euros(p.amount_cents),
    status: t(`payments.${p.status}`), invoice: p.invoice_id }))));
  emptyNote($("payments"), t("customer.no_payments"));
  $("staff-contacts").replaceChildren(...view.contacts.map((c) => contactItem(c, contactControls)));
  emptyNote($("staff-contacts"), t("history.no_contacts"));
  keepLive();
  $("on-behalf").replaceChildren(...onBehalf(), await orderingForCustomer(), await quotesForCustomer(view));
  $("customer-disputes").replaceChildren(...view.disputes.map((d) => disputeRow(d, `#/disputes-desk/${encodeURIComponent(d.dispute_id)}`)));
  emptyNote($("customer-disputes"), t("disputes.none_customer"));
  $("customer-messages").replaceChildren(...view.messages.map((m) => messageItem(m, true)));
  emptyNote($("customer-messages"), t("messages.none_customer"));
  customerComplaints(view, show360);
  $("staff-requests").replaceChildren(...view.open_requests.map((r) => requestItem(r, true, show360)));
  emptyNote($("staff-requests"), t("requests.none"));
  await loadTimeline(state.base, $("customer-timeline"), false);
}

// a call-back the customer planned: when, the number, what about; missed ones say so
function callbackItem(c) {
  const card = element("article", "", { className: "card callback" });
  card.dataset.callback = c.contact_id;
  card.append(element("h3", t("callback.planned", { when: callbackWhen(c.window) })),
    element("p", t("callback.about", { subject: c.subject, number: c.callback_to || "" })));
  if (c.missed) card.append(element("p", t("callback.missed_staff"), { className: "error" }));
  return card;
}

// an invoice that can be paid now gets a button that sends the customer a link to pay it
function withPaymentLink(row, invoice) {
  if (!invoice.actions || !invoice.actions.pay) return row;
  const result = status();
  row.append(button(t("desk.payment_link"), () => attempt(result, async () => {
    const sent = await api("POST", `${state.base}/invoices/${encodeURIComponent(invoice.invoice_id)}/payment-link`);
    say(result, t("desk.link_sent", { amount: euros(sent.amount_cents) }));
    await loadTimeline(state.base, $("customer-timeline"), false);
  }), { className: "secondary" }), result);
  return row;
}

// what staff do for the customer in front of them or on the line, each a form that folds open
function onBehalf() {
  const done = (text) => async () => { await show360(); say("customer-status", text); $("customer-status").focus(); };
  const logForm = actionForm(t("desk.log_contact"), [
    labelled(t("desk.how"), select("channel", { office: channelName("office"), phone: channelName("phone") })),
    labelled(t("desk.subject"), element("input", "", { name: "subject", minLength: 3, maxLength: 120, required: true })),
    labelled(t("desk.note_internal"), element("textarea", "", { name: "note", rows: 2, maxLength: 4000 })),
    labelled(t("desk.solution_now"), element("textarea", "", { name: "solution", rows: 2, maxLength: 2000 }))],
  t("desk.record"), (form) => attempt("customer-status", async () => {
    const body = { channel: form.channel.value, subject: form.subject.value.trim() };
    if (form.note.value.trim()) body.note = form.note.value.trim();
    if (form.solution.value.trim()) body.solution = form.solution.value.trim();
    const logged = await api("POST", `${state.base}/contacts`, body);
    await done(t("desk.logged", { subject: logged.subject }))();
  }));
  const request = reused("request-form", t("desk.start_request"), (form) => attempt("customer-status", async () => {
    const started = await api("POST", `${state.base}/requests`, { ...requestOf(form), channel: form.channel.value });
    await done(t("desk.request_started", { code: started.resume_code }))();
  }), labelled(t("desk.how"), select("channel", { office: channelName("office"), phone: channelName("phone") })));
  const move = reused("move-form", t("desk.move"), (form) => attempt("customer-status", async () => {
    const moved = await api("POST", `${state.base}/moves`, moveOf(form));
    await done(t("settings.moved", { address: addressLine(moved), date: day(moved.effective_from) }))();
  }));
  return [logForm, request, move];
}

// ordering a product for the customer, folded like the rest; kept open while the agent works in it
let orderingOpen = false;

async function orderingForCustomer() {
  const details = element("details");
  details.open = orderingOpen;
  details.addEventListener("toggle", () => { orderingOpen = details.open; });
  const failed = status();
  const parts = await ordering(state.base, show360, true).catch((error) => {
    say(failed, errorText(error), false);
    return [failed];
  });
  details.append(element("summary", t("order.staff_title")), ...parts);
  return details;
}

// the customer's quotes and a new one made for them, folded like the rest; kept open while in use
let quotesOpen = false;

async function quotesForCustomer(view) {
  const details = element("details", "", { className: "quotes" });
  details.open = quotesOpen;
  details.addEventListener("toggle", () => { quotesOpen = details.open; });
  details.append(element("summary", t("quote.staff_title")),
    ...await quoting(state.base, show360, true, view.quotes, view.products));
  return details;
}

// a form of the customer's own pages, for staff to fill in for them: the same fields, folded
function reused(id, summary, submit, ...extra) {
  const form = $(id).cloneNode(true);
  form.removeAttribute("id");
  for (const node of form.querySelectorAll("[id]")) node.remove();  // the customer page's status line
  form.querySelector("button").before(...extra);
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(form); });
  const details = element("details");
  details.append(element("summary", summary), form);
  return details;
}

// the customer's value and segment, what the record lacks and what is coming, as staff read them
function valueFacts(view) {
  const v = view.value;
  const list = (entries) => {
    const ul = element("ul", "", { className: "plain" });
    ul.append(...entries);
    return entries.length ? ul : "–";
  };
  return definitions([[t("value.segment"), t(`value.segments.${v.segment}`)],
    [t("value.revenue"), euros(v.revenue_12m_cents)],
    [t("value.since"), `${day(v.customer_since)} (${t("value.tenure", { months: v.tenure_months })})`],
    [t("value.products"), String(v.products_held)],
    [t("value.payment"), `${t(`value.behaviour.${v.payment.behaviour}`)}: ${t("value.payment_counts", v.payment)}`],
    [t("value.missing"), list(view.missing_data.map((m) => item(t(`missing.${m.item}`))))],
    [t("value.coming"), list(view.coming_events.map((e) => item(`${day(e.on)}: ${t(`value.kinds.${e.kind}`)}${e.name ? ` – ${e.name}` : ""}`)))]]);
}

function readable(params) {
  const out = { ...(params || {}) };
  for (const [name, value] of Object.entries(out)) {
    if (name.endsWith("_cents")) out[name.slice(0, -6)] = euros(value);
    if (name.endsWith("_on") || name === "date" || name === "on") out[name] = day(value);
    if (name === "item") out.item = t(`missing.${value}`);
    if (name === "at" || name === "deadline") out[name] = at(value);
    if (name.endsWith("plan")) out[name] = planName(value);
    if (name === "channel") out.channel = channelName(value);
  }
  return out;
}

$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  say("desk-status", "");
  attempt("desk-status", async () => {
    const found = await api("POST", "/agent/customers/search", { query: event.target.query.value });
    $("search-results").replaceChildren(...found.items.map((c) => {
      const li = element("li", "", { className: "row" });
      const facts = [t("desk.born", { date: day(c.birth_date) }), c.address ? addressLine(c.address) : "", c.email].filter(Boolean);
      li.append(element("a", c.name, { href: `#/customers/${encodeURIComponent(c.customer_id)}` }), element("span", facts.join(" · "), { className: "hint" }));
      return li;
    }));
    if (found.signup) {
      say("desk-status", t("desk.signup_found", { name: found.signup.name, date: at(found.signup.created_at),
        status: t(`signups.${found.signup.status}`) }));
    } else {
      emptyNote($("search-results"), t("desk.not_found"));
    }
  });
});
