// The record that is open (the customer's own, or at the desk the customer's): personal data,
// address, products and consents; changing contact details and settings, proving an address
// with a code, moving house.

import { $, item, say } from "./dom.js";
import { addressLine } from "./format.js";
import { showProducts } from "./products.js";
import { RECORD_STALE, api, state } from "./session.js";
import { refreshTimelineSoon } from "./timeline.js";

export function showRecord(record) {
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

export async function reloadRecord() {
  showRecord(await api("GET", state.base));
}

document.addEventListener(RECORD_STALE, () => reloadRecord().catch(() => {}));

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
    if (error.status === 409) await reloadRecord();
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
    await reloadRecord();
    refreshTimelineSoon();
  } catch (error) { say(error.message, false); }
});
