// Disputes: disputing an invoice line, a payment or a usage record from where the customer sees it,
// following the dispute step by step (what the rules found, the decision and why, when to expect
// it), sending evidence, appealing once; staff see what waits for them, soonest deadline first,
// read the evidence and decide. A payment the customer's bank disputes (a chargeback) is a dispute
// too: the bank decides it, so it has no appeal.

import { $, attempt, button, definitions, element, emptyNote, item, labelled, say, select, status } from "./dom.js";
import { evidenceInput, evidenceList, evidenceSection, problem, sendEvidence } from "./evidence.js";
import { at, day, euros, quantity } from "./format.js";
import { t } from "./i18n.js";
import { go } from "./router.js";
import { api } from "./session.js";

const REASONS = ["wrong_amount", "not_mine", "charged_twice", "not_delivered", "billed_after_cancellation", "other"];
const statusBadge = (s) => element("span", t(`disputes.status.${s}`), { className: `badge ${s}` });
const isOpen = (d) => d.status === "assessing" || d.status === "with_staff";
// files picked on the filing form, sent once the dispute is there (dispute id -> files)
const toSend = new Map();

// the first thing wrong with the files picked in a form, told in `result`; true when all can go
function filesFit(files, result) {
  const wrong = files.map(problem).find(Boolean);
  if (wrong) say(result, wrong, false);
  return !wrong;
}

// euros as typed ("12,50", "12.50", "12") in cents, or null
function cents(typed) {
  const text = String(typed || "").trim().replace(/\s/g, "").replace(",", ".");
  if (!text) return null;
  return /^\d+(\.\d{1,2})?$/.test(text) ? Math.round(Number(text) * 100) : NaN;
}

// the part of `most` cents typed in `input`: null for all of it, undefined (said in `result`) when
// it is not an amount from 1 cent to `most`
function typedPart(input, most, result) {
  const part = cents(input.value);
  if (Number.isNaN(part) || (part !== null && (part < 1 || part > most))) {
    say(result, t("disputes.amount_invalid", { amount: euros(most) }), false);
    input.focus();
    return undefined;
  }
  return part;
}

// "Dispute this" beside a transaction: the reason, in their own words, what of it (all by default)
export function disputeForm(transaction, amountCents, reasons = REASONS) {
  const details = element("details", "", { className: "dispute" });
  details.append(element("summary", t("disputes.dispute_this")));
  const form = element("form", "", { className: "stack" });
  const result = status();
  const amount = element("input", "", { name: "amount", inputMode: "decimal", autocomplete: "off" });
  form.append(
    labelled(t("disputes.reason"), select("reason", Object.fromEntries(reasons.map((r) => [r, t(`disputes.reasons.${r}`)])))),
    labelled(t("disputes.explanation"), element("textarea", "", { name: "explanation", rows: 3, maxLength: 4000, required: true })),
    // a record that costs nothing (yet) is disputed for what it counts, not for an amount
    ...(amountCents > 0 ? [labelled(t("disputes.amount"), amount, t("disputes.amount_hint", { amount: euros(amountCents) }))] : []),
    evidenceInput(), element("button", t("disputes.submit"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const part = amountCents > 0 ? typedPart(amount, amountCents, result) : null;
    if (part === undefined) return;
    const files = [...form.evidence.files];
    if (!filesFit(files, result)) return;
    const body = { transaction, reason: form.reason.value, explanation: form.explanation.value };
    if (part !== null && part !== amountCents) body.amount_cents = part;
    attempt(result, async () => {
      const dispute = await api("POST", "/me/disputes", body);
      if (files.length) toSend.set(dispute.dispute_id, files);
      go(`#/disputes/${encodeURIComponent(dispute.dispute_id)}`);
    });
  });
  details.append(form);
  return details;
}

const byBank = (d) => d.source === "provider";
// what the bank's decision means for the customer, in words
const BANK_NOTICE = { with_provider: "disputes.bank_decides", won: "disputes.bank_won", lost: "disputes.bank_lost" };

function subject(d) {
  if (byBank(d)) return t("disputes.a_chargeback", { invoice: d.invoice_id });
  const x = d.transaction;
  if (x.kind === "usage_record") return t("disputes.a_record", { what: quantity(x.quantity, x.unit), at: at(x.occurred_at) });
  return x.kind === "payment" ? t("disputes.a_payment", { invoice: d.invoice_id })
    : t("disputes.a_line", { line: x.description, invoice: d.invoice_id });
}

function expected(d) {
  if (d.status === "with_provider") return t("disputes.bank_expected", { date: day(d.expected_decision_on) });
  return d.status === "assessing" || d.status === "with_staff" ? t("disputes.expected", { date: day(d.expected_decision_on) })
    : at(d.updated_at);
}

export function disputeRow(d, href) {
  const row = element("li", "", { className: "row" });
  row.dataset.dispute = d.dispute_id;
  row.append(element("a", subject(d), { href }), statusBadge(d.status), element("span", expected(d), { className: "hint" }),
    element("span", euros(d.amount_cents), { className: "amount" }));
  return row;
}

export async function showDisputes() {
  const data = await api("GET", "/me/disputes");
  $("disputes").replaceChildren(...data.items.map((d) => disputeRow(d, `#/disputes/${encodeURIComponent(d.dispute_id)}`)));
  emptyNote($("disputes"), t("disputes.none"));
}

// what a rule found, in words, with the customer's own figures
function finding(f) {
  const e = f.evidence || {};
  const unit = (n) => quantity(n, e.unit);
  const params = {
    expected: euros(e.expected_cents ?? 0), billed: euros(e.billed_cents ?? 0), kept: euros(e.kept_cents ?? 0),
    owed: euros(e.owed_cents ?? 0), last_day: e.last_day ? day(e.last_day) : "", amount: euros(f.amount_cents),
    this_month: e.this_month !== undefined ? unit(e.this_month) : "", median: e.median !== undefined ? unit(e.median) : "",
    limit: euros(e.limit_cents ?? 0), at: (e.same_records || []).map(at).join(", "),
    day: e.occurred_on ? day(e.occurred_on) : "", signed_on: e.signed_on ? day(e.signed_on) : "",
    terms_version: e.terms_version ?? "",
  };
  return item(t(`disputes.rule.${f.rule}.${f.outcome}`, params));
}

function stepText(s) {
  const details = s.step === "decided" ? t(`disputes.status.${s.outcome}`)
    : s.expected_decision_on ? t("disputes.expected", { date: day(s.expected_decision_on) })
      : s.held_cents ? t("disputes.held", { amount: euros(s.held_cents) }) : "";
  return item(`${at(s.at)} · ${t(`disputes.step.${s.step}`)}${details ? ` – ${details}` : ""}`);
}

function facts(d) {
  const pairs = byBank(d)
    ? [[t("disputes.what"), subject(d)], [t("disputes.bank_reason"), t(`disputes.reasons.${d.reason}`)]]
    : [[t("disputes.what"), subject(d)], [t("disputes.reason"), t(`disputes.reasons.${d.reason}`)],
      [t("disputes.your_words"), d.explanation]];
  pairs.push([t("disputes.amount_disputed"), euros(d.amount_cents)], [t("disputes.state"), statusBadge(d.status)]);
  if (d.held_cents) pairs.push([t("disputes.on_hold"), euros(d.held_cents)]);
  if (d.status === "assessing" || d.status === "with_staff") pairs.push([t("disputes.decision_by"), day(d.expected_decision_on)]);
  if (d.status === "with_provider") pairs.push([t("disputes.bank_decision_by"), day(d.expected_decision_on)]);
  return definitions(pairs);
}

// a chargeback: who decides (the bank, not us), and what its decision means for the invoice
function bankNotice(d) {
  const key = byBank(d) && BANK_NOTICE[d.status];
  return key ? [element("p", t(key), { className: `notice${d.status === "won" ? " ok" : ""}` })] : [];
}

function decisionBlock(d) {
  const parts = [];
  const decision = d.decision;
  if (!decision) return parts;
  parts.push(element("h2", t("disputes.decision")),
    element("p", t(`disputes.outcome.${decision.outcome}.${decision.basis}`, { amount: euros(decision.amount_cents) }),
      { className: `notice${decision.outcome === "upheld" ? " ok" : ""}` }));
  if (decision.reasons) parts.push(element("blockquote", decision.reasons));
  if (d.refund_cents) parts.push(element("p", t("disputes.refund", { amount: euros(d.refund_cents) })));
  return parts;
}

export async function showDispute(disputeId) {
  const d = await api("GET", `/me/disputes/${encodeURIComponent(disputeId)}`);
  $("dispute-title").textContent = t("disputes.title_one", { id: d.dispute_id });
  $("dispute-facts").replaceChildren(facts(d));
  const steps = element("ol", "", { className: "steps" });
  steps.append(...d.steps.map(stepText));
  const found = d.assessment.filter((f) => f.outcome !== "nothing");
  const list = element("ul", "", { className: "plain" });
  list.append(...found.map(finding));
  const assessment = found.length ? [element("h2", t("disputes.assessment")), list] : [];
  const read = () => api("GET", `/me/disputes/${encodeURIComponent(d.dispute_id)}`).catch(() => null);
  const evidence = isOpen(d) || d.evidence.length ? [evidenceSection(d, read, { open: isOpen(d) })] : [];
  $("dispute-body").replaceChildren(...bankNotice(d), element("h2", t("disputes.steps")), steps, ...assessment, ...evidence,
    ...decisionBlock(d), ...nextSteps(d));
  $("dispute-invoice").href = d.invoice_id ? `#/invoices/${encodeURIComponent(d.invoice_id)}` : "#/usage";
  $("dispute-invoice").textContent = t(d.invoice_id ? "disputes.back_invoice" : "disputes.back_usage");
  await sendPicked(d);
  return d;
}

// the files picked when filing, sent now that the dispute is there (one decided for good at once needs none)
async function sendPicked(d) {
  const files = toSend.get(d.dispute_id);
  toSend.delete(d.dispute_id);
  if (!files || !(isOpen(d) || d.actions.appeal)) return;
  await sendEvidence(d.dispute_id, files, "dispute-status");
  await showDispute(d.dispute_id);
}

function nextSteps(d) {
  const parts = [];
  if (d.actions.appeal) {
    const form = element("form", "", { className: "stack" });
    const result = status();
    form.id = "appeal-form";
    form.append(element("h2", t("disputes.appeal")), element("p", t("disputes.appeal_lead")),
      labelled(t("disputes.appeal_words"), element("textarea", "", { name: "explanation", rows: 3, maxLength: 4000, required: true })),
      evidenceInput(), element("button", t("disputes.appeal_submit"), { className: "primary" }), result);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const files = [...form.evidence.files];
      if (!filesFit(files, result)) return;
      attempt(result, async () => {
        // the new evidence first: the appeal goes with it, or not yet when a file was refused
        if (files.length && !(await sendEvidence(d.dispute_id, files, result))) return;
        await api("POST", `/me/disputes/${encodeURIComponent(d.dispute_id)}/appeal`, { explanation: form.explanation.value });
        await showDispute(d.dispute_id);
        say("dispute-status", t("disputes.appealed"));
      });
    });
    parts.push(form);
  }
  if (d.external_route) {
    const p = element("p", t("disputes.external", { name: d.external_route.name }), { className: "notice" });
    p.append(" ", element("a", d.external_route.name, { href: d.external_route.url, rel: "noopener", target: "_blank" }));
    parts.push(p);
  }
  parts.push(fileDownload(d));
  return parts;
}

// the whole file as one document to keep, or to hand to the disputes committee
function fileDownload(d) {
  const result = status();
  const download = button(t("disputes.file"), () => attempt(result, async () => {
    const file = await api("GET", `/me/disputes/${encodeURIComponent(d.dispute_id)}/file`);
    const link = element("a", "", { download: `dossier-${d.dispute_id}.json`,
      href: URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" })) });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }), { className: "secondary", id: "dispute-file" });
  const block = element("p", "");
  block.append(download, result);
  return block;
}

// ------------------------------------------------------------------ staff

export async function showStaffDisputes() {
  const chosen = $("staff-disputes-form").status.value;
  const data = await api("GET", `/agent/disputes?status=${encodeURIComponent(chosen)}`);
  $("staff-disputes").replaceChildren(...data.items.map((d) => {
    const row = disputeRow(d, `#/disputes-desk/${encodeURIComponent(d.dispute_id)}`);
    if (d.staff_deadline) row.append(element("span", t("disputes.deadline", { date: at(d.staff_deadline) }), { className: "hint" }));
    if (d.escalated) row.append(element("span", t("disputes.escalated"), { className: "badge overdue" }));
    return row;
  }));
  emptyNote($("staff-disputes"), t("disputes.none_waiting"));
}

export async function showStaffDispute(disputeId) {
  const d = await api("GET", `/agent/disputes/${encodeURIComponent(disputeId)}`);
  $("staff-dispute-title").textContent = t("disputes.title_one", { id: d.dispute_id });
  const customer = element("a", t("disputes.the_customer"), { href: `#/customers/${encodeURIComponent(d.customer_id)}` });
  const found = element("ul", "", { className: "plain" });
  found.append(...d.assessment.filter((f) => f.outcome !== "nothing").map(finding));
  const earlier = element("ul", "", { className: "plain" });
  earlier.append(...d.earlier_decisions.map((x) => item(t("disputes.earlier", { outcome: t(`disputes.status.${x.outcome}`),
    who: x.by.name || x.by.id || t("disputes.the_rules"), date: at(x.at) }))));
  const files = evidenceList(d.evidence, (id) => `/agent/disputes/${encodeURIComponent(d.dispute_id)}/evidence/${encodeURIComponent(id)}`);
  emptyNote(files, t("disputes.evidence.none_staff"));
  $("staff-dispute-body").replaceChildren(facts(d), ...bankNotice(d), customer, element("h2", t("disputes.assessment")), found,
    element("h2", t("disputes.evidence.title")), files,
    ...(d.earlier_decisions.length ? [element("h2", t("disputes.earlier_title")), earlier] : []),
    ...(d.appeal ? [element("h2", t("disputes.appeal")), element("blockquote", d.appeal.explanation)] : []),
    ...decisionBlock(d), ...(d.status === "with_staff" && !d.pending_decision ? [decisionForm(d)] : []));
  return d;
}

function decisionForm(d) {
  const form = element("form", "", { className: "stack" });
  form.id = "decision-form";
  const result = status();
  const amount = element("input", "", { name: "amount", inputMode: "decimal", autocomplete: "off" });
  form.append(element("h2", t("disputes.decide")),
    labelled(t("disputes.outcome_label"), select("outcome", { upheld: t("disputes.status.upheld"), rejected: t("disputes.status.rejected") })),
    labelled(t("disputes.amount"), amount, t("disputes.amount_hint", { amount: euros(d.amount_cents) })),
    labelled(t("disputes.reasons_label"), element("textarea", "", { name: "reasons", rows: 3, minLength: 3, maxLength: 2000, required: true }),
      t("disputes.reasons_hint")),
    element("button", t("disputes.decide_submit"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const part = typedPart(amount, d.amount_cents, result);
    if (part === undefined) return;
    const body = { outcome: form.outcome.value, reasons: form.reasons.value, version: d.version };
    if (part !== null && form.outcome.value === "upheld") body.amount_cents = part;
    attempt(result, async () => {
      await api("POST", `/agent/disputes/${encodeURIComponent(d.dispute_id)}/decision`, body);
      await showStaffDispute(d.dispute_id);
      say("staff-dispute-status", t("disputes.decided"));
    });
  });
  return form;
}

