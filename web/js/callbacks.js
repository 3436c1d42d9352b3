// Planned call-backs: the customer chooses a quarter of an hour in the coming days (also when the
// phone is closed now) and we call then; a call-back still to come can be moved or cancelled
// until its time. Shown on the contact page, below the question.

import { $, attempt, button, element, labelled, say, select, status } from "./dom.js";
import { weekday } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

export const callbackWhen = (w) => `${weekday(w.date)}, ${w.from}–${w.until}`;

// a day, then its free quarters of an hour, as radio buttons named `name`
function slotChooser(offered, name) {
  const box = element("fieldset", "", { className: "slots callback-slots" });
  const days = offered.days.filter((d) => d.slots.length);
  const day = select(`${name}_day`, Object.fromEntries(days.map((d) => [d.date, weekday(d.date)])));
  const quarters = element("div", "", { className: "slot-days" });
  const showDay = () => {
    const chosen = days.find((d) => d.date === day.value);
    quarters.replaceChildren(...(chosen ? chosen.slots : []).map((s) => {
      const label = element("label");
      label.append(element("input", "", { type: "radio", name, value: s.start, required: true }), `${s.from}–${s.until}`);
      return label;
    }));
  };
  day.addEventListener("change", showDay);
  showDay();
  box.append(element("legend", t("callback.when")), labelled(t("callback.day"), day), quarters);
  box.chosen = () => (box.querySelector(`input[name="${name}"]:checked`) || {}).value;
  return box;
}

function tell(text, ok = true) {
  const where = $("callbacks-status");
  say(where, text, ok);
  where.focus();
}

// a call-back still to come: when, what about, and moving or cancelling it
function plannedCard(c, offered) {
  const card = element("article", "", { className: "card callback" });
  card.dataset.callback = c.contact_id;
  card.append(element("h3", t("callback.planned", { when: callbackWhen(c.window) })),
    element("p", t("callback.about", { subject: c.subject, number: c.callback_to || "" })));
  if (c.missed) card.append(element("p", t("callback.missed"), { className: "hint" }));
  const result = status();
  if (c.changeable) {
    const form = element("form", "", { className: "stack" });
    const chooser = slotChooser(offered, `move-${c.contact_id}`);
    form.append(chooser, element("button", t("callback.move"), { className: "secondary" }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(result, async () => {
        const moved = await api("PATCH", `/me/callbacks/${encodeURIComponent(c.contact_id)}`, { slot: chooser.chosen() });
        await showCallbacks();
        tell(t("callback.moved", { when: callbackWhen(moved.window) }));
      });
    });
    const details = element("details");
    details.append(element("summary", t("callback.other_time")), form);
    card.append(details, button(t("callback.cancel"), () => attempt(result, async () => {
      await api("POST", `/me/callbacks/${encodeURIComponent(c.contact_id)}/cancellation`);
      await showCallbacks();
      tell(t("callback.cancelled"));
    }), { className: "secondary" }));
  }
  card.append(result);
  return card;
}

// the form that books one
function bookForm(offered) {
  const form = element("form", "", { className: "stack callback-form" });
  const result = status();
  const chooser = slotChooser(offered, "callback_slot");
  form.append(labelled(t("callback.subject"), element("input", "", { name: "subject", minLength: 3, maxLength: 120, required: true })),
    chooser, element("button", t("callback.book"), { className: "primary" }), result);
  // one key per booking being made: sent twice (a double click, a retry), it is one call-back
  let key = null;
  const changed = () => { key = null; };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    key = key || crypto.randomUUID();
    attempt(result, async () => {
      const slot = chooser.chosen();
      if (!slot) { say(result, t("callback.pick_one"), false); return; }
      const booked = await api("POST", "/me/callbacks", { slot, subject: form.subject.value.trim() },
        { "Idempotency-Key": key });
      await showCallbacks();
      tell(t("callback.booked", { when: callbackWhen(booked.window), number: booked.callback_to }));
    });
  });
  return form;
}

export async function showCallbacks() {
  const [record, offered] = await Promise.all([api("GET", "/me"), api("GET", "/me/callbacks/slots")]);
  const planned = record.planned_contacts.filter((p) => p.kind === "callback");
  const said = status();
  said.id = "callbacks-status";
  said.tabIndex = -1;
  const previous = $("callbacks-status");
  if (previous) said.textContent = previous.textContent;
  $("callbacks").replaceChildren(element("h2", t("callback.title")), element("p", t("callback.lead"), { className: "hint" }),
    said, ...planned.map((c) => plannedCard(c, offered)), bookForm(offered));
}
