// Requests: the customer's own, started and continued here (or on any channel with the code);
// staff add steps with status, next step and the channel the customer used.

import { $, attempt, element, emptyNote, item, labelled, newest, say, select, status } from "./dom.js";
import { at, channelName } from "./format.js";
import { t } from "./i18n.js";
import { api, state } from "./session.js";

// a request, for the customer or (staff) with status and next step; `reload` after a step
export function requestItem(r, staff, reload) {
  const li = element("li", "", { className: "card" });
  li.dataset.request = r.request_id;
  li.tabIndex = -1;
  li.append(element("h3", r.subject), element("p", t("requests.facts", { kind: t(`kinds.${r.kind}`),
    status: t(`requests.status.${r.status}`), date: at(r.created_at), channel: channelName(r.started_channel), id: r.request_id }),
  { className: "hint" }));
  if (r.next_step) li.append(element("p", t("requests.next", { step: r.next_step })));
  const steps = element("ol", "", { className: "steps" });
  steps.append(...r.steps.map((step) => item(`${at(step.at)} · ${channelName(step.channel)}: ${step.text}`)));
  li.append(steps);
  if (staff || r.status !== "done") li.append(stepForm(r, staff, reload));
  return li;
}

function stepForm(r, staff, reload) {
  const details = element("details");
  details.append(element("summary", t(staff ? "requests.add_step_staff" : "requests.add_step")));
  const form = element("form", "", { className: "stack" });
  const result = status();
  form.append(labelled(t(staff ? "requests.what_done" : "requests.your_message"),
    element("textarea", "", { name: "text", rows: 2, maxLength: 4000, required: true })));
  if (staff) {
    form.append(labelled(t("requests.state"), select("status", Object.fromEntries(["open", "in_progress", "waiting_for_customer", "done"]
      .map((s) => [s, t(`requests.status.${s}`)])), r.status === "open" ? "in_progress" : r.status)),
    labelled(t("requests.next_step"), element("input", "", { name: "next_step", maxLength: 500, value: r.next_step || "" })),
    labelled(t("requests.channel_used"), select("channel", Object.fromEntries(["phone", "office", "chat", "email", "whatsapp", "messenger", "x", ""]
      .map((c) => [c, c ? channelName(c) : t("requests.desk_work")])), "phone")));
  }
  form.append(element("button", t("requests.add"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { text: form.text.value, version: r.version };
    if (staff) {
      Object.assign(body, { status: form.status.value, next_step: form.next_step.value });
      if (form.channel.value) body.channel = form.channel.value;
    }
    const path = staff ? `${state.base}/requests/${encodeURIComponent(r.request_id)}/steps` : `/me/requests/${encodeURIComponent(r.request_id)}/steps`;
    attempt(result, async () => {
      await api("POST", path, body);
      await reload();
      say(staff ? "staff-request-status" : "requests-status", t("requests.added", { subject: r.subject }));
    });
  });
  details.append(form);
  return details;
}

const requestsAsked = newest();

export async function showRequests() {
  const current = requestsAsked();
  const data = await api("GET", "/me/requests");
  if (!current()) return;
  $("requests").replaceChildren(...data.items.map((r) => requestItem(r, false, showRequests)));
  emptyNote($("requests"), t("requests.none"));
}

// what a request form asks: the same for the customer's own form and staff's copy of it
export function requestOf(form) {
  return { kind: form.kind.value, subject: form.subject.value, text: form.text.value };
}

$("request-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target;
  attempt("requests-status", async () => {
    const started = await api("POST", "/me/requests", requestOf(form));
    form.reset();
    $("request-new").open = false;
    const code = element("p");
    code.append(t("requests.your_code"), " ", element("strong", started.resume_code, { className: "code" }));
    $("resume").replaceChildren(element("p", t("requests.started", { subject: started.subject })), code,
      element("p", t("requests.code_use")));
    $("resume").hidden = false;
    $("resume").focus();
    await showRequests();
  });
});
