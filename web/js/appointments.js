// Appointments: the visits planned to the half hour (an engineer connecting fibre, an installer
// placing a smart meter) and the parcels a courier brings in a half hour (a SIM card), each moved to
// another window or cancelled until 24 hours before it starts, a parcel also sent to another address
// or left at a pick-up point; after that the page says, in words, that the phone can still help and
// when it is open. On the day it shows the technician on the way (the expected arrival as a
// window), the visit done, or missed with the first free windows to plan it again in one click.
// A product that needs a visit or a delivery is planned here. Staff use the same items on a
// customer's page, acting on their behalf until the window starts.

import { productName } from "./catalogue.js";
import { $, attempt, button, definitions, element, emptyNote, labelled, say, status } from "./dom.js";
import { addressLine, at, hours, weekday } from "./format.js";
import { t } from "./i18n.js";
import { RECORD_CHANGED, announce, api, state } from "./session.js";

// the days with free windows shown at once; "later days" shows the next ones
const DAYS_AT_ONCE = 4;

// "dinsdag 15 december, 10:00–10:30" (Amsterdam time, as the API gives the window)
export function windowText(w) {
  return t("appointments.window", { day: weekday(w.date), from: w.from, until: w.until });
}

// the phone's opening hours, for a visit only staff can still change (read once per page)
let phoneHours = null;
async function phoneOpening() {
  if (!phoneHours) {
    const channels = await api("GET", "/channels").catch(() => ({ items: [] }));
    const phone = channels.items.find((c) => c.channel === "phone");
    phoneHours = phone ? hours(phone.opening_hours) : "";
  }
  return phoneHours;
}

// why the customer cannot change it online any more, and who can
function tooLate(deadline, opening) {
  return t("appointments.too_late", { deadline: at(deadline), hours: opening });
}

// the free windows for a visit of `kind` at `postcode`, per day, to pick one from; `pick(slot)`
// does what the choice is for
function picker(postcode, kind, label, pick) {
  const form = element("form", "", { className: "stack" });
  const days = element("div", "", { className: "slot-days" });
  const result = status();
  const later = button(t("appointments.later_days"), () => load(next), { className: "secondary" });
  const name = `slot-${kind}-${Math.random().toString(36).slice(2, 8)}`;
  let next = null;

  async function load(from) {
    const query = new URLSearchParams({ postcode, kind, ...(from ? { from } : {}) });
    const found = await api("GET", `/appointments/slots?${query}`);
    const open = found.days.filter((d) => d.slots.length).slice(0, DAYS_AT_ONCE);
    days.replaceChildren(...open.map((d) => {
      const set = element("fieldset", "", { className: "slots" });
      set.append(element("legend", weekday(d.date)), ...d.slots.map((s) => {
        const choice = element("label");
        choice.append(element("input", "", { type: "radio", name, value: s.start }), `${s.from}–${s.until}`);
        return choice;
      }));
      return set;
    }));
    if (!open.length) days.append(element("p", t("appointments.no_windows"), { className: "empty" }));
    const last = open.length ? open[open.length - 1].date : found.days[found.days.length - 1].date;
    const after = new Date(`${last}T12:00:00Z`);
    after.setUTCDate(after.getUTCDate() + 1);
    next = after.toISOString().slice(0, 10);
  }

  form.append(days, later, element("button", label, { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="${name}"]:checked`);
    if (!chosen) { say(result, t("appointments.pick_one"), false); return; }
    attempt(result, async () => {
      try {
        await pick(chosen.value);
      } catch (error) {
        if (error.reason === "slot_taken") await load(null).catch(() => {});  // what is free now
        throw error;
      }
    });
  });
  form.ready = attempt(result, () => load(null));
  return form;
}

// a folding form that loads the windows only when it is opened
function folded(summary, makeForm) {
  const details = element("details");
  details.append(element("summary", summary));
  details.addEventListener("toggle", () => {
    if (details.open && details.children.length === 1) details.append(makeForm());
  });
  return details;
}

// another address for a parcel: `send(address)` does what it is for
function addressForm(label, send) {
  const form = element("form", "", { className: "stack" });
  const result = status();
  const fields = [["street", "text", "street-address"], ["house_number", "number", ""],
    ["house_number_addition", "text", ""], ["postcode", "text", "postal-code"], ["city", "text", "address-level2"]];
  const controls = Object.fromEntries(fields.map(([name, type, autocomplete]) => [name, element("input", "", {
    name, type, autocomplete, required: name !== "house_number_addition", ...(type === "number" ? { min: 1 } : {}) })]));
  form.append(...fields.map(([name]) => labelled(t(`fields.${name}`), controls[name])),
    element("button", label, { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const address = { street: controls.street.value.trim(), house_number: Number(controls.house_number.value),
      postcode: controls.postcode.value.trim(), city: controls.city.value.trim(),
      ...(controls.house_number_addition.value.trim() ? { house_number_addition: controls.house_number_addition.value.trim() } : {}) };
    attempt(result, () => send(address, form));
  });
  return form;
}

// the pick-up points near `postcode`, to leave a parcel at one: `send(id)` does what it is for
function pickupForm(postcode, send) {
  const form = element("form", "", { className: "stack" });
  const list = element("fieldset", "", { className: "slots" });
  const result = status();
  const name = `pickup-${Math.random().toString(36).slice(2, 8)}`;
  form.append(list, element("button", t("appointments.pickup_this"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="${name}"]:checked`);
    if (!chosen) { say(result, t("appointments.pick_point"), false); return; }
    attempt(result, () => send(chosen.value));
  });
  form.ready = attempt(result, async () => {
    const found = await api("GET", `/appointments/pickup-points?${new URLSearchParams({ postcode })}`);
    list.replaceChildren(element("legend", t("appointments.pickup_points")), ...found.items.map((p) => {
      const choice = element("label");
      choice.append(element("input", "", { type: "radio", name, value: p.id }),
        `${p.name}, ${addressLine(p.address)} (${p.opening_hours})`);
      return choice;
    }));
  });
  return form;
}

// where a visit is, or where a parcel goes: the address, or the pick-up point and until when it waits there
function whereRows(a) {
  if (!a.pickup_point) return [[t("appointments.where"), addressLine(a.address)]];
  const p = a.pickup_point;
  return [[t("appointments.pickup_point"), `${p.name}, ${addressLine(p.address)}`],
    [t("appointments.collect"), t("appointments.collect_between", { from: at(p.ready_from), until: at(p.collect_until) })],
    [t("appointments.opening_hours"), p.opening_hours]];
}

// tell the outcome where the reloaded page shows it
function tell(text) {
  const shown = document.querySelector("[data-page]:not([hidden]) .appointments-status");
  if (shown) say(shown, text);
}

// one appointment as a card; moved or cancelled through `base` (/me, or a customer's record for
// staff), then `reload()` shows the page again
export function appointmentItem(a, base, reload, postcode, heading = "h2") {
  const card = element("li", "", { className: "card" });
  card.dataset.appointment = a.appointment_id;
  const result = status();
  card.append(element(heading, t(`appointments.kinds.${a.kind}`)),
    element("p", windowText(a.window), { className: "lead window" }),
    definitions([...whereRows(a), [t("appointments.state"), t(`statuses.${a.status}`)],
      ...(a.status === "planned" ? [[t("appointments.change_until"), at(a.change_until)]] : [])]));
  card.append(...dayNotes(a));
  if (a.status === "missed") card.append(offered(a, base, reload, result), result);
  if (a.status !== "planned") return card;
  const path = `${base}/appointments/${encodeURIComponent(a.appointment_id)}`;
  const refused = (error) => {
    if (error.reason !== "change_too_late") throw error;
    const phone = (error.params.channels || [])[0];
    say(result, tooLate(error.params.deadline, phone ? hours(phone.opening_hours) : ""), false);
  };
  if (!a.changeable) {
    const note = element("p", "", { className: "notice" });
    phoneOpening().then((opening) => { note.textContent = tooLate(a.change_until, opening); });
    card.append(note);
    return card;
  }
  // a change sent; the page shown again tells what became of it
  const change = async (body, told) => {
    let changed;
    try {
      changed = await api("PATCH", path, { ...body, version: a.version });
    } catch (error) { refused(error); return; }
    await reload();
    tell(told(changed));
    announce(RECORD_CHANGED);
  };
  const moved = (changed) => t("appointments.moved", { when: windowText(changed.window) });
  const parcel = a.kind === "delivery";
  const near = parcel ? a.address.postcode : postcode;
  const move = folded(t("appointments.other_time"), () => picker(near, a.kind, t("appointments.move"),
    (slot) => change({ slot }, moved)));
  const elsewhere = [];
  if (parcel) {
    const sent = (changed) => t("appointments.sent_to", { where: addressLine(changed.address), when: windowText(changed.window) });
    // another address keeps the window where a courier is free there; otherwise pick one of the windows free there
    elsewhere.push(folded(t("appointments.other_address"), () => addressForm(t("appointments.send_here"), async (address, form) => {
      try {
        await change({ address }, sent);
      } catch (error) {
        if (error.reason !== "window_full_at_address") throw error;
        const again = picker(address.postcode.replace(/\s/g, ""), a.kind, t("appointments.send_then"),
          (slot) => change({ address, slot }, sent));
        if (form.nextElementSibling && form.nextElementSibling.dataset.again) form.nextElementSibling.remove();
        again.dataset.again = "1";
        form.after(again);
        throw error;
      }
    })));
    if (a.pickup_point) {
      elsewhere.push(button(t("appointments.deliver_home"), () => attempt(result, () => change({ address: Object.fromEntries(Object.entries(a.address).filter(([, v]) => v !== null)) }, sent)),
        { className: "secondary" }));
    } else {
      elsewhere.push(folded(t("appointments.to_pickup"), () => pickupForm(a.address.postcode, (point) => change(
        { pickup_point: point }, (changed) => t("appointments.left_at", { name: changed.pickup_point.name, from: at(changed.pickup_point.ready_from) })))));
    }
  }
  const cancel = button(t("appointments.cancel"), () => {
    if (!cancel.dataset.sure) {  // asked once more, beside the button, instead of a pop-up
      cancel.dataset.sure = "1";
      cancel.textContent = t("appointments.cancel_sure");
      say(result, t("appointments.cancel_question", { when: windowText(a.window) }), false);
      return;
    }
    attempt(result, async () => {
      let cancelled;
      try {
        cancelled = await api("DELETE", path);
      } catch (error) { refused(error); return; }
      await reload();
      tell(t("appointments.cancelled", { when: windowText(cancelled.window) }));
      announce(RECORD_CHANGED);
    });
  }, { className: "danger" });
  const actions = element("div", "", { className: "actions" });
  actions.append(cancel);
  card.append(move, ...elsewhere, actions, result);
  return card;
}

// what the field service reported on the day: the narrower window, the ETA while en route, done
// or missed (and why)
function dayNotes(a) {
  const notes = [];
  if (a.promised_window && a.status === "planned") {
    notes.push(element("p", t("appointments.promised", a.promised_window), { className: "notice" }));
  }
  if (a.status === "en_route" && a.eta_window) {
    notes.push(element("p", t("appointments.eta", a.eta_window), { className: "notice eta" }));
  }
  if (a.status === "done") notes.push(element("p", t("appointments.done"), { className: "notice" }));
  if (a.status === "missed") {
    notes.push(element("p", t(`appointments.missed.${a.outcome.reason}`), { className: "notice attention" }));
  }
  return notes;
}

// plan a visit or a delivery through `base`, then show the page again and tell it: sent with one
// Idempotency-Key per card, so a click sent twice (or again after a lost answer) plans one visit
async function planVisit(base, body, key, reload) {
  const planned = await api("POST", `${base}/appointments`, body, { "Idempotency-Key": key });
  await reload();
  tell(t(base === "/me" ? "appointments.planned" : "appointments.planned_for_customer", { when: windowText(planned.window) }));
  announce(RECORD_CHANGED);
}

// a missed visit: the first free windows, each planned again with one click
function offered(a, base, reload, result) {
  const windows = (a.outcome && a.outcome.next_free) || [];
  const box = element("div", "", { className: "stack offered" });
  if (!windows.length) {
    box.append(element("p", t("appointments.missed_none")));
    return box;
  }
  const choices = element("div", "", { className: "actions" });
  const key = crypto.randomUUID();
  choices.append(...windows.map((w) => button(windowText(w), () => attempt(result, () => planVisit(base,
    { kind: a.kind, slot: w.start, ...(a.product_id ? { product_id: a.product_id } : {}) }, key, reload)),
  { className: "secondary" })));
  box.append(element("p", t("appointments.missed_offer")), choices);
  return box;
}

// a product that needs a visit or a delivery none is planned for: plan one, through `base` (/me, or
// a customer's record for staff), then `reload()` shows the page again
export function toPlanCard(p, postcode, base = "/me", reload = showAppointments, heading = "h2") {
  const card = element("li", "", { className: "card attention" });
  card.dataset.product = p.product_id;
  card.append(element(heading, productName(p.product_code, p.name)), element("p", t(`appointments.needs.${p.kind}`)),
    folded(t("appointments.plan"), () => {
      const key = crypto.randomUUID();
      return picker(postcode, p.kind, t("appointments.plan_this"),
        (slot) => planVisit(base, { kind: p.kind, slot, product_id: p.product_id }, key, reload));
    }));
  return card;
}

export async function showAppointments() {
  say("appointments-status", "");
  const [record, list] = await Promise.all([api("GET", "/me"), api("GET", "/me/appointments")]);
  state.record = record;
  const postcode = record.address ? record.address.postcode : "";
  $("appointments-to-plan").replaceChildren(...list.to_plan.map((p) => toPlanCard(p, postcode)));
  $("appointments-to-plan").hidden = !list.to_plan.length;
  // the visits to come or under way, those done, and a missed one until it is planned again
  const waiting = new Set(list.to_plan.map((p) => p.product_id));
  const coming = list.items.filter((a) => a.status !== "cancelled" && (a.status !== "missed" || waiting.has(a.product_id)));
  $("appointments").replaceChildren(...coming.map((a) => appointmentItem(a, "/me", showAppointments, postcode)));
  emptyNote($("appointments"), t("appointments.none"));
}
