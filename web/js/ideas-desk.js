// Ideas at the desk: product owners read the ideas (with who posted them), answer them, move them
// on with a reason every reader sees (their followers are told), and hide an idea or a comment that
// breaks the house rules, saying which: its author reads why.

import { $, attempt, element, emptyNote, labelled, newest, say, select, status } from "./dom.js";
import { at } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";
import { STATUSES, ideaFacts } from "./ideas.js";

const path = (id, rest = "") => `/agent/ideas/${encodeURIComponent(id)}${rest}`;
const MOVES = STATUSES.filter((s) => s !== "new");
const ticket = newest();  // a list asked for before another is left unshown

function row(i) {
  const li = element("li", "", { className: "row" });
  li.dataset.idea = i.idea_id;
  li.append(element("a", i.title, { href: `#/ideas-desk/${encodeURIComponent(i.idea_id)}` }),
    element("span", ideaFacts(i), { className: "hint" }));
  if (i.hidden) li.append(element("span", t("ideas_desk.hidden"), { className: "badge overdue" }));
  return li;
}

export async function showStaffIdeas() {
  const f = $("staff-ideas-filter");
  const query = new URLSearchParams({ status: f.status.value, sort: f.sort.value });
  const current = ticket();
  const page = await api("GET", `/agent/ideas?${query}`);
  if (!current()) return;
  $("staff-ideas").replaceChildren(...page.items.map(row));
  emptyNote($("staff-ideas"), t("ideas.none"));
}

function form(summary, fields, label, submit) {
  const details = element("details");
  const f = element("form", "", { className: "stack" });
  const result = status();
  f.append(...fields, element("button", label, { className: "primary" }), result);
  f.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!f.reportValidity()) return;
    attempt(result, () => submit(f));
  });
  details.append(element("summary", summary), f);
  return details;
}

const reason = (name, label) => labelled(label, element("textarea", "", { name, rows: 2, minLength: 5, maxLength: 1000, required: true }));

function comments(idea, render) {
  const list = element("ol", "", { className: "messages" });
  for (const c of idea.comments) {
    const li = element("li", "", { className: "message" });
    li.append(element("p", `${c.author.pseudonym} · ${at(c.created_at)}`, { className: "hint" }), element("p", c.text));
    if (c.hidden) li.append(element("p", t("ideas_desk.comment_hidden", { reason: c.hidden.reason, by: c.hidden.by }), { className: "notice" }));
    else {
      li.append(form(t("ideas_desk.hide_comment"), [reason("reason", t("ideas_desk.house_rule"))], t("ideas_desk.hide"),
        async (f) => { render(await api("POST", path(idea.idea_id, `/comments/${encodeURIComponent(c.comment_id)}/hiding`), { reason: f.reason.value.trim() })); }));
    }
    list.append(li);
  }
  emptyNote(list, t("ideas.no_comments"));
  return list;
}

function renderStaffIdea(idea) {
  $("staff-idea-title").textContent = idea.title;
  // an erased author is nobody to go to: the idea stays without them
  const author = idea.customer_id
    ? element("a", t("ideas_desk.author"), { href: `#/customers/${encodeURIComponent(idea.customer_id)}` })
    : element("p", t("ideas_desk.author_erased"), { className: "hint" });
  const parts = [element("p", `${ideaFacts(idea)} · ${at(idea.created_at)}`, { className: "hint" }), author,
    element("p", idea.text, { className: "lead" })];
  if (idea.hidden) parts.push(element("p", t("ideas_desk.idea_hidden", { reason: idea.hidden.reason, by: idea.hidden.by }), { className: "notice" }));
  else {
    const choices = Object.fromEntries(MOVES.filter((s) => s !== idea.status).map((s) => [s, t(`ideas.status.${s}`)]));
    parts.push(
      form(t("ideas_desk.move"), [labelled(t("ideas_desk.new_status"), select("status", choices)), reason("reason", t("ideas_desk.reason"))],
        t("ideas_desk.move_button"), async (f) => {
          renderStaffIdea(await api("POST", path(idea.idea_id, "/status"), { status: f.status.value, reason: f.reason.value.trim() }));
          say("staff-idea-status", t("ideas_desk.moved"));
        }),
      form(t("ideas_desk.answer"), [labelled(t("ideas_desk.answer_text"), element("textarea", "", { name: "text", rows: 4, minLength: 5, maxLength: 2000, required: true }))],
        t("ideas_desk.answer_button"), async (f) => {
          renderStaffIdea(await api("POST", path(idea.idea_id, "/answer"), { text: f.text.value.trim() }));
          say("staff-idea-status", t("ideas_desk.answered"));
        }),
      form(t("ideas_desk.hide_idea"), [reason("reason", t("ideas_desk.house_rule"))], t("ideas_desk.hide"), async (f) => {
        renderStaffIdea(await api("POST", path(idea.idea_id, "/hiding"), { reason: f.reason.value.trim() }));
        say("staff-idea-status", t("ideas_desk.hidden_done"));
      }));
  }
  const history = element("ol", "", { className: "timeline" });
  for (const e of idea.history) {
    const what = e.kind === "answer" ? t("ideas.answered_entry") : t("ideas.status_entry", { status: t(`ideas.status.${e.status}`) });
    const li = element("li");
    li.append(element("time", at(e.at), { dateTime: e.at }), " ", element("strong", what), element("span", ` · ${e.by}`, { className: "hint" }), element("p", e.text));
    history.append(li);
  }
  emptyNote(history, t("ideas.no_history"));
  parts.push(element("h2", t("ideas.history")), history, element("h2", t("ideas.comments_title")), comments(idea, renderStaffIdea));
  $("staff-idea-body").replaceChildren(...parts);
}

export async function showStaffIdea(id) {
  say("staff-idea-status", "");
  renderStaffIdea(await api("GET", path(id)));
}

$("staff-ideas-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt("staff-ideas-status", showStaffIdeas);
});
