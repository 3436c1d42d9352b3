// My details: personal data and address, contact details and preferences (in effect at once, on
// every channel), proving a new e-mail address or a phone number with a code, consents per
// purpose and channel, and moving house.

import { $, attempt, definitions, element, say } from "./dom.js";
import { addressLine, day, phoneNumber, today } from "./format.js";
import { choose as chooseLanguage, currentLanguage, t } from "./i18n.js";
import { api, state } from "./session.js";

const PURPOSES = ["service", "marketing", "advice", "research"];
const CHANNELS = ["email", "sms", "whatsapp", "phone", "post"];

export function personalFacts(record) {
  const p = record.personal;
  const phone = record.contact.phone ? `${record.contact.phone}${record.contact.phone_verified ? ` (${t("settings.confirmed")})` : ""}` : "–";
  return definitions([[t("settings.name"), `${p.given_name} ${p.family_name}`], [t("settings.born"), day(p.birth_date)],
    [t("fields.contact.email"), record.contact.email], [t("fields.contact.phone"), phone]]);
}

export function showRecord(record) {
  state.record = record;
  $("personal").replaceChildren(personalFacts(record));
  $("address").textContent = record.address ? addressLine(record.address) : "–";
  $("upcoming").textContent = record.upcoming_moves.map((m) => t("settings.moving_to", { address: addressLine(m), date: day(m.effective_from) })).join(" ");
  const form = $("change-form");
  form.email.value = record.contact.email;
  form.phone.value = record.contact.phone || "";
  form.household_size.value = record.personal.household_size || "";
  form.language.value = record.settings.language;
  form.preferred_channel.value = record.settings.preferred_channel;
  form.paperless_invoices.checked = record.settings.paperless_invoices;
  $("phone-form").hidden = !record.contact.phone || record.contact.phone_verified;
  $("email-form").hidden = !record.contact.pending_email;
  $("email-pending").textContent = record.contact.pending_email ? t("settings.email_pending", {
    email: record.contact.pending_email, current: record.contact.email }) : "";
  // as the notices obey them: what the customer said; unsaid, their own products and contract (service,
  // advice) yes, marketing and research no
  const said = new Map(record.consents.map((c) => [`${c.channel}/${c.purpose}`, c.granted]));
  const granted = new Set(CHANNELS.flatMap((c) => PURPOSES.map((p) => `${c}/${p}`))
    .filter((k) => (said.has(k) ? said.get(k) : /\/(service|advice)$/.test(k))));
  const table = element("table");
  const head = element("tr");
  head.append(element("th", t("settings.purpose"), { scope: "col" }), ...CHANNELS.map((c) => element("th", t(`channels.${c}`), { scope: "col" })));
  table.append(element("thead"), element("tbody"));
  table.tHead.append(head);
  for (const purpose of PURPOSES) {
    const row = element("tr");
    row.append(element("th", t(`purposes.${purpose}`), { scope: "row" }));
    for (const channel of CHANNELS) {
      const box = element("input", "", { type: "checkbox", name: `${channel}/${purpose}`, checked: granted.has(`${channel}/${purpose}`) });
      box.setAttribute("aria-label", t("settings.consent_label", { purpose: t(`purposes.${purpose}`), channel: t(`channels.${channel}`) }));
      const cell = element("td");
      cell.append(box);
      row.append(cell);
    }
    table.tBodies[0].append(row);
  }
  $("consents").replaceChildren(table);
  $("move-form").move_date.min = today();
}

export async function showSettings() {
  showRecord(await api("GET", "/me"));
}

$("change-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  const contact = { email: form.email.value.trim() };
  if (form.phone.value.trim()) {
    const phone = phoneNumber(form.phone.value);
    if (!phone) { say("change-status", t("errors.phone_format"), false); form.phone.focus(); return; }
    contact.phone = phone;
  }
  const household = form.household_size.value ? { personal: { household_size: Number(form.household_size.value) } } : {};
  attempt("change-status", async () => {
    const record = await api("PATCH", "/me", { version: state.record.version, contact, ...household, settings: {
      language: form.language.value, preferred_channel: form.preferred_channel.value, paperless_invoices: form.paperless_invoices.checked } });
    if (record.settings.language !== currentLanguage()) await chooseLanguage(record.settings.language);
    showRecord(record);
    say("change-status", record.contact.pending_email ? t("settings.saved_confirm", { email: record.contact.pending_email }) : t("settings.saved"));
  }).then(() => {
    if ($("change-status").classList.contains("error")) api("GET", "/me").then(showRecord, () => {});
  });
});

function codeForm(kind, sentKey, provenKey) {
  $(`${kind}-send`).addEventListener("click", () => attempt(`${kind}-status`, async () => {
    const sent = await api("POST", `/me/${kind}-verification`);
    say(`${kind}-status`, t(sentKey, { to: sent.sent_to }));
    $(`${kind}-form`).code.focus();
  }));
  $(`${kind}-form`).addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(`${kind}-status`, async () => {
      showRecord(await api("POST", `/me/${kind}-verification/confirmation`, { code: event.target.code.value.trim() }));
      event.target.reset();
      say("change-status", t(provenKey));
    });
  });
}

codeForm("email", "settings.email_sent", "settings.email_proven");
codeForm("phone", "settings.phone_sent", "settings.phone_proven");

$("consents-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const consents = [...event.target.querySelectorAll("input[type=checkbox]")].map((box) => {
    const [channel, purpose] = box.name.split("/");
    return { channel, purpose, granted: box.checked };
  });
  attempt("consents-status", async () => {
    showRecord(await api("PATCH", "/me", { version: state.record.version, consents }));
    say("consents-status", t("settings.consents_saved"));
  });
});

$("move-form").move_date.min = today();  // staff's copy of the form takes it along

// what a move form asks: the same for the customer's own form and staff's copy of it
export function moveOf(form) {
  const move = { street: form.street.value.trim(), house_number: Number(form.house_number.value), postcode: form.postcode.value.trim(),
    city: form.city.value.trim(), move_date: form.move_date.value };
  if (form.house_number_addition.value.trim()) move.house_number_addition = form.house_number_addition.value.trim();
  return move;
}

$("move-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  attempt("move-status", async () => {
    const moved = await api("POST", "/me/moves", moveOf(form));
    form.reset();
    showRecord(await api("GET", "/me"));
    say("move-status", t("settings.moved", { address: addressLine(moved), date: day(moved.effective_from) }));
  });
});
