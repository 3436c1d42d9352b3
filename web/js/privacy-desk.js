// The privacy officer's desk: customers' requests by legal deadline (those past it in red), the
// reads that ask for a second look, who read which customer's data (by day, colleague or customer),
// and what customers said to being written to, as bars. Each is a part of the desk (privacy.js).

import { scale } from "./charts.js";
import { attempt, button, element, emptyNote, labelled, say, status } from "./dom.js";
import { at, day, number, today } from "./format.js";
import { t } from "./i18n.js";
import { deskPart } from "./privacy.js";
import { api } from "./session.js";

function requestRow(r) {
  const li = element("li", "", { className: `row${r.overdue ? " overdue" : ""}` });
  li.append(element("span", `${t(`privacy_desk.kinds.${r.kind}`)} · ${r.customer_id}`),
    element("span", t("privacy_desk.received", { date: at(r.received_at) }), { className: "hint" }),
    element("span", t(r.done_at ? "privacy_desk.done_on" : "privacy_desk.due", { date: day(r.done_at || r.due_on) }),
      { className: r.overdue ? "error" : "hint" }),
    element("span", t(`privacy_desk.statuses.${r.status}`), { className: `badge${r.overdue ? " overdue" : ""}` }));
  if (r.overdue) li.append(element("span", t("privacy_desk.overdue"), { className: "badge overdue" }));
  return li;
}

deskPart(async (container) => {
  const seen = await api("GET", "/privacy/requests");
  const open = element("ol", "", { className: "rows plain", id: "privacy-requests" });
  open.append(...seen.open.map(requestRow));
  emptyNote(open, t("privacy_desk.no_requests"));
  const done = element("ol", "", { className: "rows plain" });
  done.append(...seen.done.map(requestRow));
  emptyNote(done, t("privacy_desk.none_done"));
  const older = element("details");
  older.append(element("summary", t("privacy_desk.done_title")), done);
  container.append(element("h2", t("privacy_desk.requests_title")),
    element("p", t("privacy_desk.requests_lead", { overdue: seen.overdue }), { className: seen.overdue ? "error" : "hint" }),
    open, older);
});

// what a read showed, said for the officer (the route's part, never the route itself)
const whatOf = (entry) => t(`privacy_desk.what.${entry.what}`);
const whose = (entry) => entry.customer_id ? t("privacy_desk.customer", { id: entry.customer_id })
  : t("privacy_desk.applicant", { id: entry.signup_id });
const staffOf = (entry) => entry.staff_email || entry.staff;

function flagItem(flag) {
  const li = element("li", "", { className: "row" });
  const said = { staff: staffOf(flag), customer: flag.customer_id || flag.signup_id || "", n: flag.customers,
    from: at(flag.at), until: at(flag.until), at: at(flag.at) };
  li.append(element("time", at(flag.at), { dateTime: flag.at }), element("span", t(`privacy_desk.flags.${flag.flag}`, said)),
    element("span", t(`privacy_desk.flag_kind.${flag.flag}`), { className: "badge warn" }));
  return li;
}

function readRow(entry) {
  const li = element("li", "", { className: "row" });
  const why = entry.why === "contact" ? t("privacy_desk.why_contact", { id: entry.contact_id })
    : entry.why === "reason" ? t("privacy_desk.why_reason", { reason: entry.reason })
      : t(entry.why === "case" ? "privacy_desk.why_case" : "privacy_desk.why_none");
  li.append(element("time", at(entry.at), { dateTime: entry.at }),
    element("span", t(`privacy_desk.read_${entry.kind}`, { staff: staffOf(entry), what: whatOf(entry), whose: whose(entry) })),
    element("span", why, { className: entry.why === "none" ? "badge warn" : "hint" }));
  return li;
}

// one form for both: the day's flags and the reads, of a colleague or a customer when asked
deskPart(async (container) => {
  const form = element("form", "", { className: "stack", id: "access-filter" });
  const dayField = element("input", "", { name: "day", type: "date", value: today(), required: true });
  const staffField = element("input", "", { name: "staff", autocomplete: "off", maxLength: 200 });
  const customerField = element("input", "", { name: "customer_id", autocomplete: "off", maxLength: 100 });
  form.append(labelled(t("privacy_desk.day"), dayField), labelled(t("privacy_desk.staff"), staffField),
    labelled(t("privacy_desk.customer_id"), customerField, t("privacy_desk.customer_hint")),
    element("button", t("privacy_desk.show"), { className: "primary" }));
  const said = status();
  const flags = element("ol", "", { className: "rows plain", id: "access-flags" });
  const thresholds = element("p", "", { className: "hint" });
  const reads = element("ol", "", { className: "rows plain", id: "access-reads" });
  const more = button(t("privacy_desk.more"), () => attempt(said, () => load(true)), { className: "secondary", hidden: true });
  let cursor = null;

  async function load(next) {
    const query = new URLSearchParams();
    if (customerField.value.trim()) query.set("customer_id", customerField.value.trim()); else query.set("day", dayField.value);
    if (staffField.value.trim()) query.set("staff", staffField.value.trim());
    if (next && cursor) query.set("cursor", cursor);
    const page = await api("GET", `/privacy/access-log?${query}`);
    const rows = page.items.map(readRow);
    if (next) reads.append(...rows); else reads.replaceChildren(...rows);
    emptyNote(reads, t("privacy_desk.no_reads"));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  }

  async function show() {
    say(said, "");
    const found = await api("GET", `/privacy/access-log/flags?day=${encodeURIComponent(dayField.value)}`);
    thresholds.textContent = t("privacy_desk.thresholds", { n: found.thresholds.many_customers,
      minutes: found.thresholds.within_minutes, entries: number(found.entries) });
    flags.replaceChildren(...found.items.map(flagItem));
    emptyNote(flags, t("privacy_desk.no_flags"));
    await load(false);
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); attempt(said, show); });
  container.append(element("h2", t("privacy_desk.log_title")), element("p", t("privacy_desk.log_lead"), { className: "hint" }),
    form, said, element("h3", t("privacy_desk.flags_title")), thresholds, flags,
    element("h3", t("privacy_desk.reads_title")), reads, more);
  await show();
});

deskPart(async (container) => {
  const figures = await api("GET", "/privacy/consents");
  const purposes = [...new Set(figures.items.map((f) => f.purpose))];
  container.append(element("h2", t("privacy_desk.consents_title")),
    element("p", t("privacy_desk.consents_lead", { customers: number(figures.customers) }), { className: "hint" }));
  purposes.forEach((purpose, n) => {
    const rows = figures.items.filter((f) => f.purpose === purpose);
    const details = element("details", "", { open: n === 0 });
    details.append(element("summary", t(`purposes.${purpose}`)),
      element("p", t(rows[0].unless_withdrawn ? "privacy_desk.unless_withdrawn" : "privacy_desk.opt_in"), { className: "hint" }),
      scale(rows.map((f) => ({ label: t(`channels.${f.channel}`), amount: f.written_to,
        value: t("privacy_desk.written_to", { n: number(f.written_to), of: number(figures.customers) }) }))),
      element("p", rows.map((f) => t("privacy_desk.said", { channel: t(`channels.${f.channel}`), granted: number(f.granted),
        withdrawn: number(f.withdrawn), unsaid: number(f.unsaid) })).join(" · "), { className: "hint" }));
    container.append(details);
  });
});

// the erasures done, as their receipts tell them: no one is named in them, so neither here
function erasureRow(r) {
  const li = element("li", "", { className: "row" });
  const erased = Object.values(r.erased).reduce((sum, n) => sum + n, 0);
  const kept = r.kept.until ? t("privacy_desk.kept_until", { invoices: number(r.kept.invoices || 0),
    payments: number(r.kept.payments || 0), date: day(r.kept.until) }) : t("privacy_desk.nothing_kept");
  li.append(element("time", at(r.done_at), { dateTime: r.done_at }),
    element("span", t("privacy_desk.erasure_row", { received: at(r.received_at), by: t(`privacy_desk.asked_by.${r.asked_by}`),
      done: at(r.done_at) })),
    element("span", t("privacy_desk.erased_items", { n: number(erased) }), { className: "hint" }),
    element("span", kept, { className: "hint" }),
    element("span", t(`privacy_desk.confirmation.${r.confirmation}`), { className: "badge" }));
  return li;
}

deskPart(async (container) => {
  const done = await api("GET", "/privacy/erasures");
  const list = element("ol", "", { className: "rows plain", id: "privacy-erasures" });
  list.append(...done.items.map(erasureRow));
  emptyNote(list, t("privacy_desk.no_erasures"));
  container.append(element("h2", t("privacy_desk.erasures_title")),
    element("p", t("privacy_desk.erasures_lead"), { className: "hint" }), list);
});
