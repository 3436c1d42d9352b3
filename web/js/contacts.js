// Contacts: the service funnel (self-service first; the customer chooses), one contact as the
// customer or staff see it, scoring a finished contact, and the customer's contact history.

import { $, button, element, item, jump, say } from "./dom.js";
import { at, channelName, hoursText, openText, waitLabel, waitText } from "./format.js";
import { api, state } from "./session.js";

// whether an agent's answer left OpenCounter on the contact's channel
const DELIVERY = { sent: "sent", failed: "not delivered", sending: "sending (check before answering again)",
  in_history: "in the customer's history" };
const CONTACT_STATUS = { offered: "waiting for your choice", self_served: "solved with self-service", queued: "in the queue",
  in_progress: "being handled", resolved: "resolved", abandoned: "ended before we answered" };
// where a self-service action is in the portal
const SECTIONS = { "/me/invoices": "invoices-title", "/me/usage": "usage-title", "/me/moves": "move-title",
  "/me/products": "products-title" };

// a self-service action: a jump to the portal section that does it, or a link
export function selfService(action) {
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

// one contact, as the customer sees it or, with staff fields, as staff see it; `controls(c)`
// gives staff what they can do with it
export function contactItem(c, controls) {
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
  if (staff && controls) li.append(controls(c));
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

export async function loadContacts() {
  const data = await api("GET", "/me/contacts");
  $("contacts").replaceChildren(...data.items.map((c) => contactItem(c)));
  if (!data.items.length) $("contacts").replaceChildren(item("No contacts yet."));
}
