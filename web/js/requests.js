// Requests: the customer's own, started and continued here; staff add steps with status, next
// step and the channel the customer used.

import { $, element, item, labelled, say, select } from "./dom.js";
import { at, channelName } from "./format.js";
import { api, state } from "./session.js";

const KINDS = { repair: "repair", question: "question", complaint: "complaint", change: "change", other: "other" };

// a request, for the customer or (staff) with status and next step; `reload` after a step
export function requestItem(r, staff, reload) {
  const li = element("li");
  li.dataset.request = r.request_id;
  li.tabIndex = -1;
  li.append(element("strong", r.subject), ` – ${KINDS[r.kind] || r.kind} · ${r.status.replace(/_/g, " ")} · ` +
    `started ${at(r.created_at)} via ${channelName(r.started_channel)} · ${r.request_id}`);
  li.append(element("p", `Next step: ${r.next_step || "-"}${r.handler ? ` (handled by ${r.handler})` : ""}`, { className: "hint" }));
  const steps = element("ol", "", { className: "notes", ariaLabel: "Steps" });
  steps.append(...r.steps.map((step) => item(`${at(step.at)} · ${channelName(step.channel)} · ${step.by}: ${step.text}`)));
  li.append(steps);
  if (staff || r.status !== "done") li.append(stepForm(r, staff, reload));
  return li;
}

function stepForm(r, staff, reload) {
  const details = element("details");
  details.append(element("summary", staff ? "Add a step" : "Add to this request"));
  const form = element("form", "", { className: "row" });
  form.append(labelled(staff ? "What was done or said" : "Your message",
    element("textarea", "", { name: "text", rows: 2, maxLength: 4000, required: true })));
  if (staff) {
    form.append(labelled("Status", select("status", { open: "open", in_progress: "in progress",
      waiting_for_customer: "waiting for the customer", done: "done" }, r.status === "open" ? "in_progress" : r.status)),
    labelled("Next step", element("input", "", { name: "next_step", maxLength: 500, value: r.next_step || "" })),
    labelled("Channel the customer used", select("channel", { phone: "phone", office: "office", chat: "chat", email: "e-mail",
      whatsapp: "WhatsApp", messenger: "Messenger", x: "X", "": "none (desk work)" }, "phone")));
  }
  form.append(element("button", "Add step"));
  const where = staff ? "staff-request-message" : "request-message";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { text: form.text.value, version: r.version };
    if (staff) {
      Object.assign(body, { status: form.status.value, next_step: form.next_step.value });
      if (form.channel.value) body.channel = form.channel.value;
    }
    const path = staff ? `${state.base}/requests/${encodeURIComponent(r.request_id)}/steps`
      : `/me/requests/${encodeURIComponent(r.request_id)}/steps`;
    try {
      await api("POST", path, body);
      say(`Step added to "${r.subject}".`, true, where);
    } catch (error) {
      say(error.status === 409 && /version/.test(error.message)
        ? "This request changed meanwhile; it is reloaded, please look again." : error.message, false, where);
      if (error.status !== 409) return;
    }
    await reload();
    $(where).focus();
  });
  details.append(form);
  return details;
}

export async function loadRequests() {
  const data = await api("GET", "/me/requests");
  $("requests").replaceChildren(...data.items.map((r) => requestItem(r, false, loadRequests)));
  if (!data.items.length) $("requests").replaceChildren(item("No requests."));
}

$("request-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  try {
    const started = await api("POST", "/me/requests", { kind: form.kind.value, subject: form.subject.value, text: form.text.value });
    form.reset();
    const code = element("p");
    code.append("Your code: ", element("strong", started.resume_code, { className: "code" }));
    $("resume").replaceChildren(element("p", `Request ${started.request_id} "${started.subject}" is started.`), code,
      element("p", "Quote this code on any channel to continue: phone, chat, e-mail or at the office. We show it once."));
    $("resume").hidden = false;
    say("", true, "request-message");
    $("resume").focus();
    await loadRequests();
  } catch (error) { say(error.message, false, "request-message"); }
});
