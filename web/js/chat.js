// An open conversation, live: the customer writes, and what the agent answers shows by itself.
// The page reads the contact again every second while it is open and visible; it stops when the
// customer leaves the page or the contact is finished.

import { conversation, OPEN } from "./contacts.js";
import { $, attempt, element, say } from "./dom.js";
import { channelName, waitText } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

const EVERY_MS = 1000;
let watching = null;  // the contact on screen and its timer

const path = (id) => `/me/contacts/${encodeURIComponent(id)}`;

function render(contact) {
  $("chat-subject").textContent = contact.subject;
  const open = OPEN.includes(contact.status);
  const facts = [];
  if (contact.status === "queued") facts.push(t("chat.waiting", { wait: waitText(contact.predicted_wait_s) }));
  if (contact.status === "in_progress") facts.push(t("chat.with_agent"));
  if (open && contact.channel !== "chat") facts.push(t("chat.elsewhere", { channel: channelName(contact.channel) }));
  if (!open) facts.push(t("chat.closed"));
  if ($("chat-state").textContent !== facts.join(" ")) $("chat-state").textContent = facts.join(" ");
  // messages only ever join a conversation: the new ones are added (and read out, aria-live)
  const list = $("chat-messages");
  const shown = Number(list.dataset.count || 0);
  if (contact.messages.length > shown) {
    if (!shown) list.replaceChildren();
    list.append(...conversation(contact.messages.slice(shown), false).children);
    list.dataset.count = String(contact.messages.length);
    list.lastElementChild.scrollIntoView({ block: "nearest" });
  } else if (!contact.messages.length) {
    list.replaceChildren(element("li", t("chat.empty"), { className: "empty" }));
  }
  $("chat-form").hidden = !open;
  return open;
}

function stop() {
  if (watching) clearTimeout(watching.timer);
  watching = null;
}

function watch(id) {
  const tick = async () => {
    if (!watching || watching.id !== id) return;
    if (location.hash !== `#/contact/${encodeURIComponent(id)}`) { stop(); return; }
    let open = true;
    if (!document.hidden) {
      try {
        const contact = await api("GET", path(id));
        if (!watching || watching.id !== id) return;  // another contact came on screen meanwhile
        open = render(contact);
      } catch {
        // offline for a moment: the next read tries again
      }
    }
    if (open && watching && watching.id === id) watching.timer = setTimeout(tick, EVERY_MS);
  };
  watching = { id, timer: setTimeout(tick, EVERY_MS) };
}

export async function showChat(id) {
  stop();
  $("chat-messages").dataset.count = "0";
  $("chat-form").dataset.contact = id;
  const contact = await api("GET", path(id));
  if ($("chat-form").dataset.contact !== id) return;  // left for another contact meanwhile
  if (render(contact)) watch(id);
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const text = form.text.value.trim();
  if (!text) return;
  attempt("chat-status", async () => {
    const contact = await api("POST", `${path(form.dataset.contact)}/messages`, { text });
    form.reset();
    say("chat-status", "");
    render(contact);
    form.text.focus();
  });
});
