// The staff desk: find a customer, the queue of waiting contacts, working on a contact (take,
// note, answer, resolve, link an unknown sender), and the 360-degree view of a customer.

import { contactItem } from "./contacts.js";
import { $, button, element, item, labelled, say } from "./dom.js";
import { at, channelName, euros } from "./format.js";
import { showInvoices } from "./invoices.js";
import { planName } from "./products.js";
import { showRecord } from "./record.js";
import { requestItem } from "./requests.js";
import { OPEN_CUSTOMER, announce, api, state } from "./session.js";

const ACTIONS = { offer_payment_arrangement: "Offer a payment arrangement", follow_up_request: "Follow up a request",
  answer_open_contact: "Answer an open contact", offer_plan_switch: "Offer a plan switch",
  complete_profile: "Complete the profile", confirm_move: "Confirm the move" };

function openCustomer(customerId) {
  return new Promise((resolve, reject) => announce(OPEN_CUSTOMER, { base: `/agent/customers/${customerId}`, resolve, reject }));
}

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
    box.append(button("Open customer", () => openCustomer(c.customer_id).then(() => $("record-title").focus(),
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

export async function loadQueue() {
  const channel = $("queue-form").channel.value;
  const data = await api("GET", `/agent/queue${channel ? `?channel=${encodeURIComponent(channel)}` : ""}`);
  const withControls = (c) => contactItem(c, (contact) => contactControls(contact, "queue-message"));
  $("queue-list").replaceChildren(...data.items.map(withControls));
  if (!data.items.length) $("queue-list").replaceChildren(item("Nobody is waiting."));
  $("working").replaceChildren(...[...state.working.values()].map(withControls));
  $("working-block").hidden = !state.working.size;
}

$("queue-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadQueue().then(() => say("", true, "queue-message")).catch((error) => say(error.message, false, "queue-message"));
});

export function show360(view) {
  const actions = view.next_best_actions.map((a) => item(`${ACTIONS[a.action] || a.action.replace(/_/g, " ")}: ` +
    a.why.replace(/(-?\d+) cents/g, (_, cents) => euros(Number(cents))).replace(/\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b/g, planName)));
  $("nba").replaceChildren(...(actions.length ? actions : [item("Nothing pressing.")]));
  $("nps").textContent = view.nps.responses ? `NPS ${view.nps.score} (${view.nps.responses} score${view.nps.responses > 1 ? "s" : ""})`
    : "No scores yet.";
  showInvoices({ items: view.invoices, open_balance_cents: view.open_balance_cents });
  $("payments").replaceChildren(...view.payments.map((p) => item(`${at(p.created_at)} · ${p.invoice_id} · ` +
    `${euros(p.amount_cents)}${p.method ? ` (${p.method})` : ""} · ${p.status}`)));
  if (!view.payments.length) $("payments").replaceChildren(item("No payments."));
  $("staff-contacts").replaceChildren(...view.contacts.map((c) => contactItem(c, (contact) =>
    contactControls(contact, "record-contact-message"))));
  if (!view.contacts.length) $("staff-contacts").replaceChildren(item("No contacts."));
  $("staff-requests").replaceChildren(...view.open_requests.map((r) => requestItem(r, true, reload360)));
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
    await openCustomer(found.customer_id);
    say(`Request ${found.request.request_id} "${found.request.subject}" (${found.request.status.replace(/_/g, " ")}) ` +
      `of ${state.record.personal.given_name} ${state.record.personal.family_name}.`, true, "desk-message");
    const li = $("staff-requests").querySelector(`[data-request="${found.request.request_id}"]`);
    if (li) { li.scrollIntoView({ block: "center" }); li.focus(); } else $("record-title").focus();
  } catch (error) { say(error.message, false, "desk-message"); }
});

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const found = await api("GET", `/agent/customers?email=${encodeURIComponent(event.target.email.value)}`);
  $("search-results").replaceChildren(...found.items.map((c) => {
    const li = item(`${c.name} <${c.email}> `);
    li.append(button("Open", () => openCustomer(c.customer_id)));
    return li;
  }));
});
