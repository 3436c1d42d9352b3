// How amounts, quantities, times, waits and channels read on the page.

// cents are integers: euros without floating point (-1234 -> "-€12.34")
export function euros(cents) {
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}€${(abs - abs % 100) / 100}.${String(abs % 100).padStart(2, "0")}`;
}

export const UNITS = { data_mb: "Data", minutes: "Calls", sms: "Text messages", kwh: "Electricity" };

export function quantity(amount, unit) {
  if (unit === "data_mb") return amount >= 1024 ? `${Number((amount / 1024).toFixed(1))} GB` : `${amount} MB`;
  return `${amount} ${{ minutes: "min", sms: "SMS", kwh: "kWh" }[unit] || unit}`;
}

export function addressLine(a) {
  return `${a.street} ${a.house_number}${a.house_number_addition ? " " + a.house_number_addition : ""}, ${a.postcode} ${a.city}`;
}

export const CHANNELS = { web: "website", app: "app", phone: "phone", chat: "chat", whatsapp: "WhatsApp",
  messenger: "Messenger", x: "X", email: "e-mail", office: "office", agent: "desk" };
export const channelName = (c) => CHANNELS[c] || c;
export const percent = (share) => `${Math.round(share * 100)}%`;

// the office's opening hours as GET /channels gives them: {"monday": "09:00-17:30", ..., "sunday": null}
export const hoursText = (hours) => Object.entries(hours || {}).filter(([, h]) => h)
  .map(([day, h]) => `${day[0].toUpperCase()}${day.slice(1, 3)} ${h.replace("-", "–")}`).join(", ") + "; bring your ID";

// times in Amsterdam time, as the opening hours are
export function at(iso) {
  return iso ? new Date(iso).toLocaleString("en-GB", { timeZone: "Europe/Amsterdam", weekday: "short", day: "numeric",
    month: "short", hour: "2-digit", minute: "2-digit" }) : "-";
}

export function duration(seconds) {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : s < 172800 ? `${Math.round(s / 3600)} h`
    : `${Math.round(s / 86400)} days`;
}

// "about 2 min, mostly 1–4 min"
export function waitText(expected, range) {
  if (expected === null || expected === undefined) return "no estimate";
  if (Math.round(expected) === 0 && (!range || (range[1] !== null && range[1] < 1))) return "no wait";
  if (!range || range[0] === null) return `about ${duration(expected)}`;
  const [low, high] = [duration(range[0]), range[1] === null ? null : duration(range[1])];
  const unit = (text) => text.replace(/^\d+ /, "");
  const span = high === null ? `${low} or more` : unit(low) === unit(high) ? `${low.split(" ")[0]}–${high}` : `${low}–${high}`;
  return `about ${duration(expected)}, mostly ${span}`;
}

export function waitLabel(expected, range) {
  const text = waitText(expected, range);
  return text === "no wait" ? text : `expected wait: ${text}`;
}

export function openText(c) {
  return c.open_now ? "open now" : c.opens_at ? `closed, opens ${at(c.opens_at)}` : "closed";
}
