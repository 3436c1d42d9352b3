// How amounts, quantities, dates, times, waits and channels read on the page, in the language
// chosen: Dutch formats by default (€ 12,50; 4 december 2026; 14:05), Amsterdam time throughout.

import { currentLanguage, t } from "./i18n.js";

const ZONE = "Europe/Amsterdam";
const LOCALE = { nl: "nl-NL", en: "en-GB" };
const locale = () => LOCALE[currentLanguage()] || "nl-NL";

// cents are whole numbers: the amount is handed to Intl as an exact decimal string, never a float
export function euros(cents) {
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  const exact = `${sign}${(abs - (abs % 100)) / 100}.${String(abs % 100).padStart(2, "0")}`;
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR" }).format(exact);
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

export function quantity(amount, unit) {
  if (unit === "data_mb") return amount >= 1024 ? t("units.gb", { n: number(amount / 1024, 1) }) : t("units.mb", { n: number(amount) });
  return t(`units.${unit}`, { n: number(amount) });
}

// a calendar date ("2026-12-14") as it reads: 14 december 2026
export function day(isoDate) {
  if (!isoDate) return "–";
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
}

// a calendar date with its weekday, without the year: dinsdag 15 december
export function weekday(isoDate) {
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" })
    .format(new Date(Date.UTC(y, m - 1, d)));
}

// a month ("2026-11") as it reads: november 2026
export function month(period) {
  const [y, m] = period.split("-").map(Number);
  return new Intl.DateTimeFormat(locale(), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 1)));
}

// a moment, in Amsterdam time: 4 dec 2026, 14:05
export function at(iso) {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(locale(), { timeZone: ZONE, day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

export function time(iso) {
  return new Intl.DateTimeFormat(locale(), { timeZone: ZONE, hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

// today in Amsterdam, as YYYY-MM-DD (what date inputs take)
export function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());
}

export function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return t("durations.seconds", { n: s });
  if (s < 5400) return t("durations.minutes", { n: Math.round(s / 60) });
  if (s < 172800) return t("durations.hours", { n: Math.round(s / 3600) });
  return t("durations.days", { n: Math.round(s / 86400) });
}

// "about 2 min (mostly 1–4 min)"
export function waitText(expected, range) {
  if (expected === null || expected === undefined) return t("waits.unknown");
  if (Math.round(expected) === 0 && (!range || (range[1] !== null && range[1] < 1))) return t("waits.none");
  if (!range || range[0] === null) return t("waits.about", { wait: duration(expected) });
  if (range[1] === null) return t("waits.at_least", { wait: duration(expected), low: duration(range[0]) });
  return t("waits.range", { wait: duration(expected), low: duration(range[0]), high: duration(range[1]) });
}

export const channelName = (channel) => t(`channels.${channel}`);

export function percent(share) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(share);
}

// opening hours as GET /channels gives them: {"monday": "09:00-17:30", ..., "sunday": null}
export function hours(opening) {
  return Object.entries(opening || {}).filter(([, h]) => h)
    .map(([weekday, h]) => `${t(`weekdays.${weekday}`)} ${h.replace("-", "–")}`).join(", ");
}

export function addressLine(a) {
  return `${a.street} ${a.house_number}${a.house_number_addition ? ` ${a.house_number_addition}` : ""}, ${a.postcode} ${a.city}`;
}

// what the customer typed as a phone number, in the international form the API takes:
// 06 1234 5678 -> +31612345678; an international number stays as it is
export function phoneNumber(typed) {
  const digits = typed.replace(/[\s\-().]/g, "");
  if (/^\+[1-9]\d{6,14}$/.test(digits)) return digits;
  if (/^00[1-9]\d{6,14}$/.test(digits)) return `+${digits.slice(2)}`;
  if (/^0[1-9]\d{8}$/.test(digits)) return `+31${digits.slice(1)}`;
  return null;
}
