// Complaints: the customer files one (what about, in their own words, naming an invoice or product
// if they like) and follows it: status, who handles it (by role), the day of the answer, the
// follow-up and the answer, which they accept or, not satisfied, reopen. Staff see the open and the
// escalated complaints at the desk, and on a customer's page take one, write notes (for the customer
// or internal), extend the term once, answer and close it.

import { $, attempt, button, element, emptyNote, labelled, newest, say, select, status } from "./dom.js";
import { at, channelName, day } from "./format.js";
import { t } from "./i18n.js";
import { api, state } from "./session.js";

const ABOUT = ["service", "staff", "outage", "delay", "invoice", "other"];
const mine = (id) => `/me/complaints/${encodeURIComponent(id)}`;
const staffPath = (c, what = "") =>
  `/agent/customers/${encodeURIComponent(c.customer_id)}/complaints/${encodeURIComponent(c.complaint_id)}${what}`;

function facts(c) {
  const lines = [t("complaints.facts", { about: t(`complaints.about.${c.about}`), status: t(`complaints.status.${c.status}`),
    date: at(c.filed_at), id: c.complaint_id })];
  if (["received", "in_progress", "reopened"].includes(c.status)) {
    lines.push(t(c.overdue ? "complaints.overdue" : "complaints.deadline", { date: day(c.deadline_on) }));
  }
  if (c.handler_role) lines.push(t("complaints.handled_by", { role: t(`complaints.role.${c.handler_role}`) }));
  if (c.extended) lines.push(t("complaints.extended", { reason: c.extension_reason }));
  return lines.map((line) => element("p", line, { className: "hint" }));
}

function notes(c, staff) {
  const list = element("ol", "", { className: "steps" });
  list.append(...c.notes.map((n) => {
    const who = staff ? (n.for_customer ? n.by : t("complaints.internal", { by: n.by })) : t(`complaints.by.${n.by}`);
    return element("li", `${at(n.at)} · ${who}: ${n.text}`);
  }));
  return list;
}

function card(c, staff, heading = "h3") {
  const li = element("li", "", { className: "card" });
  li.dataset.complaint = c.complaint_id;
  li.append(element(heading, t(`complaints.about.${c.about}`)), ...facts(c), element("p", c.text));
  if (c.notes.length) li.append(element("h4", t("complaints.follow_up")), notes(c, staff));
  if (c.answer) li.append(element("h4", t("complaints.answer")), element("p", c.answer, { className: "notice" }));
  return li;
}

// ------------------------------------------------------------------ the customer's page

const listAsked = newest();

export async function showComplaints() {
  const current = listAsked();
  const data = await api("GET", "/me/complaints");
  if (!current()) return;
  $("complaints").replaceChildren(...data.items.map((c) => {
    const li = card(c, false);
    li.append(element("a", t("complaints.open"), { href: `#/complaints/${encodeURIComponent(c.complaint_id)}` }));
    return li;
  }));
  emptyNote($("complaints"), t("complaints.none"));
}

function reaction(c) {
  const form = element("form", "", { className: "stack" });
  const result = status();
  form.append(element("p", t("complaints.react_hint", { until: at(c.reopen_until) })),
    labelled(t("complaints.not_right"), element("textarea", "", { name: "text", rows: 3, maxLength: 4000 })),
    button(t("complaints.satisfied"), () => react(true), { className: "primary" }),
    button(t("complaints.reopen"), () => react(false)), result);
  function react(satisfied) {
    const body = { version: c.version, satisfied };
    if (!satisfied) body.text = form.text.value;
    attempt(result, async () => {
      const changed = await api("POST", `${mine(c.complaint_id)}/reaction`, body);
      await showComplaint(c.complaint_id);
      say("complaint-status", t(changed.status === "closed" ? "complaints.closed_thanks" : "complaints.reopened"));
    });
  }
  form.addEventListener("submit", (event) => event.preventDefault());
  return form;
}

export async function showComplaint(id) {
  const c = await api("GET", mine(id));
  $("complaint-title").textContent = t("complaints.one", { id: c.complaint_id });
  const body = [...facts(c), element("h2", t("complaints.yours")), element("p", c.text)];
  if (c.notes.length) body.push(element("h2", t("complaints.follow_up")), notes(c, false));
  if (c.answer) body.push(element("h2", t("complaints.answer")), element("p", c.answer, { className: "notice" }));
  if (c.status === "answered") body.push(reaction(c));
  if (c.status === "closed") body.push(element("p", t("complaints.committee"), { className: "hint" }));
  $("complaint-body").replaceChildren(...body);
}

let filingKey = null;  // one key per complaint being filed: sent twice (a double click, a retry), it is one complaint

$("complaint-form").addEventListener("input", () => { filingKey = null; });
$("complaint-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  filingKey = filingKey || crypto.randomUUID();
  attempt("complaints-status", async () => {
    const filed = await api("POST", "/me/complaints", { about: form.about.value, text: form.text.value },
      { "Idempotency-Key": filingKey });
    filingKey = null;
    form.reset();
    say("complaints-status", t("complaints.filed", { id: filed.complaint_id, date: day(filed.deadline_on) }));
    await showComplaints();
  });
});
$("complaint-about").replaceChildren(...ABOUT.map((a) => element("option", t(`complaints.about.${a}`), { value: a })));

// ------------------------------------------------------------------ the desk

function staffForm(c, summary, fields, label, path, body, reload) {
  const details = element("details");
  const form = element("form", "", { className: "stack" });
  const result = status();
  form.append(...fields, element("button", label, { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(result, async () => {
      await api("POST", staffPath(c, path), { version: c.version, ...body(form) });
      await reload();
      say("staff-complaint-status", t("complaints.saved", { id: c.complaint_id }));
    });
  });
  details.append(element("summary", summary), form);
  return details;
}

function staffControls(c, reload) {
  const text = (name = "text") => element("textarea", "", { name, rows: 3, maxLength: 4000, required: true });
  const open = ["received", "in_progress", "reopened"].includes(c.status);
  const controls = [];
  if (open) {
    controls.push(button(t("complaints.take"), () => attempt("staff-complaint-status", async () => {
      await api("POST", staffPath(c, "/handler"), { version: c.version });
      await reload();
      say("staff-complaint-status", t("complaints.saved", { id: c.complaint_id }));
    })));
  }
  if (c.status !== "closed") {
    controls.push(staffForm(c, t("complaints.add_note"), [labelled(t("complaints.note"), text()),
      labelled(t("complaints.for_whom"), select("for_customer", { true: t("complaints.for_customer"), false: t("complaints.internal_only") }, "false"))],
    t("complaints.save"), "/notes", (f) => ({ text: f.text.value, for_customer: f.for_customer.value === "true" }), reload));
  }
  if (open) {
    controls.push(staffForm(c, t("complaints.write_answer"), [labelled(t("complaints.answer"), text())], t("complaints.send_answer"),
      "/answer", (f) => ({ text: f.text.value }), reload));
    if (!c.extended && !c.overdue) {
      controls.push(staffForm(c, t("complaints.extend"), [labelled(t("complaints.extend_why"), text("reason"))], t("complaints.save"),
        "/extension", (f) => ({ reason: f.reason.value }), reload));
    }
  }
  if (c.status === "answered") {
    controls.push(button(t("complaints.close"), () => attempt("staff-complaint-status", async () => {
      await api("POST", staffPath(c, "/closing"), { version: c.version });
      await reload();
      say("staff-complaint-status", t("complaints.saved", { id: c.complaint_id }));
    })));
  }
  return controls;
}

// the complaints section of a customer's page (the 360-degree view holds them)
export function customerComplaints(view, reload) {
  $("customer-complaints").replaceChildren(...view.complaints.map((c) => {
    const li = card(c, true);
    if (c.handler) li.append(element("p", t("complaints.handler", { handler: c.handler }), { className: "hint" }));
    li.append(element("p", t("complaints.channel", { channel: channelName(c.channel) }), { className: "hint" }), ...staffControls(c, reload));
    return li;
  }));
  emptyNote($("customer-complaints"), t("complaints.none_customer"));
}

const queueAsked = newest();

export async function showStaffComplaints() {
  const current = queueAsked();
  const queue = $("complaints-queue").value;
  const data = await api("GET", `/agent/complaints?queue=${encodeURIComponent(queue)}`);
  if (!current()) return;
  $("complaints-figures").textContent = t("complaints.figures", data.figures);
  $("staff-complaints").replaceChildren(...data.items.map((c) => {
    const li = card(c, true);
    li.append(element("a", t("complaints.to_customer"), { href: `#/customers/${encodeURIComponent(c.customer_id)}` }));
    return li;
  }));
  emptyNote($("staff-complaints"), t("complaints.none_queue"));
}

$("complaints-queue").addEventListener("change", () => attempt("staff-complaints-status", showStaffComplaints));
