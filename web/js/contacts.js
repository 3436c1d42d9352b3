// Contacts: the service funnel (an answer or self-service first; then the customer chooses a
// channel, each with its wait), one contact as the customer or staff see it, and scoring one.

import { $, attempt, button, element, item, say, status } from "./dom.js";
import { at, channelName, hours, waitText } from "./format.js";
import { has, t } from "./i18n.js";
import { go } from "./router.js";
import { api, state } from "./session.js";

// a contact someone still works on: its conversation goes on
export const OPEN = ["queued", "in_progress"];
// the channels whose conversation the customer can continue in the portal
const CONVERSING = ["chat", "whatsapp", "messenger"];

// where a self-service action is in the portal
const PAGES = { "/me/invoices": "#/invoices", "/me/usage": "#/usage", "/me/moves": "#/settings", "/me/products": "#/products" };

export function selfService(action) {
  const label = has(`self_service.${action.path}`) ? t(`self_service.${action.path}`) : action.label;
  if (PAGES[action.path]) return element("a", label, { href: state.token ? PAGES[action.path] : "#/" });
  return element("a", label, { href: action.path });
}

function offer(c) {
  const li = element("li", "", { className: "offer" });
  li.append(element("strong", channelName(c.channel)));
  const facts = [c.open_now ? t("service.open") : c.opens_at ? t("service.opens", { when: at(c.opens_at) }) : t("service.closed")];
  if (c.open_now && c.channel !== "office") facts.push(t("service.wait", { wait: waitText(c.expected_wait_s, c.wait_range_s) }));
  li.append(element("span", facts.join(" · "), { className: "hint" }));
  if (c.channel === "office") li.append(element("p", t("contact.office", { hours: hours(c.opening_hours) }), { className: "hint" }));
  else if (c.channel === "phone" && c.callback_available) li.append(choice(t("contact.call_me"), "phone"));
  else if (c.unavailable) li.append(element("p", t(`errors.${c.unavailable}`), { className: "hint" }));
  else if (c.open_now && c.channel !== "phone") li.append(choice(t("contact.choose", { channel: channelName(c.channel) }), c.channel));
  return li;
}

function choice(text, channel) {
  return button(text, () => choose(channel), { className: "secondary choice" });
}

function showOffers({ contact, offers }) {
  state.contact = contact;
  const parts = [];
  if (offers.answers.length) {
    parts.push(element("h2", t("contact.maybe")));
    for (const a of offers.answers) {
      const article = element("article", "", { className: "card" });
      article.append(element("h3", a.question), element("p", a.answer));
      if (a.self_service) article.append(selfService(a.self_service));
      parts.push(article);
    }
  } else {
    parts.push(element("p", t("contact.no_answer"), { className: "hint" }));
  }
  parts.push(choice(t("contact.solved"), "self_service"));
  for (const [title, channels] of [["contact.online", offers.online_help], ["contact.personal", offers.personal]]) {
    const list = element("ul", "", { className: "offers plain" });
    list.append(...channels.map(offer));
    parts.push(element("h2", t(title)), list);
  }
  $("offers").replaceChildren(...parts);
  $("offers").hidden = false;
  $("offers").querySelector("h2, p").tabIndex = -1;
  $("offers").querySelector("h2, p").focus();
}

async function choose(channel) {
  await attempt("contact-status", async () => {
    const contact = await api("POST", `/me/contacts/${encodeURIComponent(state.contact.contact_id)}/choice`, { choice: channel });
    for (const b of $("offers").querySelectorAll("button.choice")) b.remove();  // chosen: the answers stay
    if (channel === "chat") { go(`#/contact/${encodeURIComponent(contact.contact_id)}`); return; }
    const wait = waitText(contact.predicted_wait_s);
    say("contact-status", channel === "self_service" ? t("contact.glad")
      : contact.callback_to ? t("contact.callback", { number: contact.callback_to, wait })
        : CONVERSING.includes(channel) ? t("contact.answered_on", { channel: channelName(channel), wait })
          : t("contact.queued", { channel: channelName(channel), wait }));
    if (CONVERSING.includes(channel)) $("contact-status").append(" ", conversationLink(contact));
    $("contact-status").focus();
  });
}

function conversationLink(c) {
  return element("a", t("contact.to_conversation"), { href: `#/contact/${encodeURIComponent(c.contact_id)}` });
}

// the messages of a contact, oldest first: who wrote, when, and (for staff) whether an answer went out
export function conversation(messages, staff) {
  const list = element("ol", "", { className: "messages" });
  list.append(...messages.map((m) => {
    const line = element("li", "", { className: `message from-${m.from}` });
    line.append(element("span", `${at(m.at)} · ${t(`contacts.from.${m.from}`)}`, { className: "hint" }), element("p", m.text));
    if (staff && m.delivery && m.delivery !== "in_history") line.append(element("span", t(`contacts.delivery.${m.delivery}`), { className: "badge" }));
    return line;
  }));
  return list;
}

$("question-form").addEventListener("submit", (event) => {
  event.preventDefault();
  say("contact-status", "");
  attempt("contact-status", async () => showOffers(await api("POST", "/me/contacts", { question: event.target.question.value })));
});

// one contact, as the customer sees it or, with staff fields, as staff see it; `controls(c)`
// gives staff what they can do with it
export function contactItem(c, controls) {
  const staff = "sender" in c;
  const li = element("li", "", { className: "card" });
  li.dataset.contact = c.contact_id;
  if (staff && OPEN.includes(c.status)) Object.assign(li.dataset, { live: String(c.messages.length), customer: c.customer_id || "" });
  li.append(element("h3", c.subject), element("p", t("contacts.facts", { date: at(c.started_at), channel: channelName(c.channel),
    status: t(`contacts.status.${c.status}`) }) + (staff && (c.sender || !c.customer_id)
    ? ` · ${c.customer_id ? c.sender : t("contacts.unknown_sender", { sender: c.sender || "" })}` : ""),
  { className: "hint" }));
  if (staff && c.authenticated === false) li.append(element("span", t("contacts.not_verified"), { className: "badge warn" }));
  const facts = [];
  if (c.status === "queued") facts.push(t("service.wait", { wait: waitText(c.predicted_wait_s) }));
  if (c.callback_to) facts.push(t("contacts.call_back", { number: c.callback_to }));
  if (c.resolved_at) facts.push(t("contacts.resolved", { date: at(c.resolved_at) }));
  if (staff && c.first_contact_resolution) facts.push(t("contacts.first_contact"));
  if (staff && c.nps !== null && c.nps !== undefined) facts.push(t("contacts.scored", { score: c.nps }));
  if (facts.length) li.append(element("p", facts.join(" · ")));
  if (c.solution) li.append(element("p", t("contacts.solution", { solution: c.solution })));
  if (c.dispute_id) {
    li.append(element("a", t("contacts.see_dispute", { id: c.dispute_id }),
      { href: `${staff ? "#/disputes-desk/" : "#/disputes/"}${encodeURIComponent(c.dispute_id)}` }));
  }
  if (c.messages.length) li.append(conversation(c.messages, staff));
  if (!staff && OPEN.includes(c.status) && CONVERSING.includes(c.channel)) {
    li.append(element("a", t("chat.continue"), { href: `#/contact/${encodeURIComponent(c.contact_id)}`, className: "button secondary" }));
  }
  if (c.notes.length) {
    const notes = element("ul", "", { className: "plain notes" });
    notes.append(...c.notes.map((n) => {
      const note = item(`${at(n.at)} · ${n.text}`);
      if (staff) note.append(element("span", t(n.for_customer ? "contacts.for_customer" : "contacts.internal"), { className: "badge" }));
      return note;
    }));
    li.append(element("h4", t("contacts.notes")), notes);
  }
  if (!staff && ["resolved", "self_served"].includes(c.status) && (c.nps === null || c.nps === undefined)) li.append(scoreForm(c));
  if (staff && controls) li.append(controls(c));
  return li;
}

function scoreForm(c) {
  const details = element("details");
  details.append(element("summary", t("contacts.score")));
  const form = element("form", "", { className: "stack" });
  const scale = element("fieldset", "", { className: "scale" });
  scale.append(element("legend", t("contacts.score_question")));
  for (let n = 0; n <= 10; n++) {
    const label = element("label", String(n));
    label.append(element("input", "", { type: "radio", name: "score", value: n, required: true }));
    scale.append(label);
  }
  const comment = element("label", t("contacts.comment"));
  comment.append(element("input", "", { name: "comment", maxLength: 2000 }));
  const result = status();
  form.append(scale, comment, element("button", t("contacts.send_score"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { score: Number(form.score.value) };
    if (form.comment.value.trim()) body.comment = form.comment.value.trim();
    attempt(result, async () => {
      await api("POST", `/me/contacts/${encodeURIComponent(c.contact_id)}/feedback`, body);
      details.replaceChildren(element("p", t("contacts.thanks", { score: body.score }), { className: "status ok", role: "status" }));
    });
  });
  details.append(form);
  return details;
}
