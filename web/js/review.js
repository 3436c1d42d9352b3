// Sign-ups in review at the desk: those a check could not be completed for, soonest deadline
// first, with what could not be checked; a colleague decides one: verify it, or roll it back with
// reasons the customer reads.

import { $, attempt, definitions, element, emptyNote, item, labelled, say, select, status } from "./dom.js";
import { at } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

const checkName = (check) => t(`review.check.${check}`);
const nameOf = (s) => `${s.applicant.given_name} ${s.applicant.family_name}`;
const stateBadge = (s) => element("span", t(`statuses.${s.status.toLowerCase()}`), { className: "badge" });

function row(s) {
  const li = element("li", "", { className: "row" });
  li.dataset.signup = s.signup_id;
  li.append(element("a", nameOf(s), { href: `#/signups-desk/${encodeURIComponent(s.signup_id)}` }),
    element("span", s.product.name, { className: "hint" }),
    element("span", t("review.unfinished", { checks: s.review.unfinished.map(checkName).join(", ") }), { className: "hint" }),
    element("span", t("review.deadline", { date: at(s.review.deadline) }), { className: "hint" }));
  if (s.review.escalated) li.append(element("span", t("review.escalated"), { className: "badge overdue" }));
  if (s.review.decision) li.append(element("span", t("review.being_applied"), { className: "badge" }));
  return li;
}

export async function showStaffSignups() {
  const data = await api("GET", "/agent/signups?status=IN_REVIEW");
  $("staff-signups").replaceChildren(...data.items.map(row));
  emptyNote($("staff-signups"), t("review.none_waiting"));
}

function checkItem(c) {
  const state = c.passed === null ? "unfinished" : c.passed ? "passed" : "failed";
  return item(`${checkName(c.check)}: ${t(`review.state.${state}`)}`);
}

function decisionBlock(d) {
  const who = d.by.type === "agent" ? d.by.name || d.by.id : t("review.the_flow");
  const parts = [element("h2", t("review.decision")),
    element("p", t(`review.decided_as.${d.basis}`, { outcome: t(`review.outcome_done.${d.outcome}`), who, date: at(d.at) }),
      { className: `notice${d.outcome === "verify" ? " ok" : ""}` })];
  if (d.reasons) parts.push(element("blockquote", d.reasons));
  return parts;
}

export async function showStaffSignup(signupId) {
  const s = await api("GET", `/agent/signups/${encodeURIComponent(signupId)}`);
  $("staff-signup-title").textContent = t("review.title_one", { name: nameOf(s) });
  const facts = [[t("review.product"), `${s.product.name} – ${s.product.plan}`], [t("review.email"), s.applicant.email],
    [t("review.state_label"), stateBadge(s)]];
  if (s.review) facts.push([t("review.since"), at(s.review.since)]);
  if (s.review && s.status === "IN_REVIEW" && !s.review.decision) facts.push([t("review.deadline_label"), at(s.review.deadline)]);
  const parts = [definitions(facts)];
  if (s.customer_id) parts.push(element("a", t("review.the_customer"), { href: `#/customers/${encodeURIComponent(s.customer_id)}` }));
  if (s.review) {
    const checks = element("ul", "", { className: "plain" });
    checks.append(...s.review.checks.map(checkItem));
    parts.push(element("h2", t("review.checks")), checks);
    if (s.review.escalated) parts.push(element("p", t("review.escalated_note"), { className: "notice" }));
    if (s.review.decision) parts.push(...decisionBlock(s.review.decision));
    else if (s.status === "IN_REVIEW") parts.push(decisionForm(s));
  }
  $("staff-signup-body").replaceChildren(...parts);
  return s;
}

function decisionForm(s) {
  const form = element("form", "", { className: "stack" });
  form.id = "signup-decision-form";
  const result = status();
  form.append(element("h2", t("review.decide")), element("p", t("review.decide_lead")),
    labelled(t("review.outcome_label"), select("outcome", { verify: t("review.outcome.verify"), roll_back: t("review.outcome.roll_back") })),
    labelled(t("review.reasons_label"), element("textarea", "", { name: "reasons", rows: 3, minLength: 3, maxLength: 2000, required: true }),
      t("review.reasons_hint")),
    element("button", t("review.decide_submit"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(result, async () => {
      await api("POST", `/agent/signups/${encodeURIComponent(s.signup_id)}/decision`,
        { outcome: form.outcome.value, reasons: form.reasons.value, version: s.version });
      await showStaffSignup(s.signup_id);
      say("staff-signup-status", t("review.decided"));
    });
  });
  return form;
}
