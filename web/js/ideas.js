// Ideas: customers propose ideas about a product or the service, read the others' (each author a
// pseudonym under each idea, never a name), vote once, follow and comment. An idea's page shows
// its status history with the reasons and the product owners' answers; its author may change it
// while it is new, and reads why moderation hid it if it did.

import { $, attempt, button, element, emptyNote, labelled, newest, say, select, status } from "./dom.js";
import { at } from "./format.js";
import { t } from "./i18n.js";
import { go } from "./router.js";
import { api } from "./session.js";

export const STATUSES = ["new", "under_review", "planned", "done", "declined"];
export const TOPICS = ["service", "mobile", "internet", "energy"];
const OPEN = ["new", "under_review", "planned"];

const path = (id, rest = "") => `/me/ideas/${encodeURIComponent(id)}${rest}`;
let next = null;
const ticket = newest();  // a list asked for before another is left unshown

// who wrote it, as others read it: "you", or a customer known by this idea's pseudonym only
export function authorName(a) {
  return a.you ? t("ideas.by_you") : t("ideas.by_customer", { name: a.pseudonym });
}

// an idea's status, topic, votes, comments and author in one line (a list counts the comments; a
// page has them)
export function ideaFacts(i) {
  const comments = Array.isArray(i.comments) ? i.comments.length : i.comments;
  return [t(`ideas.status.${i.status}`), t(`ideas.topic.${i.topic}`), t("ideas.votes", { n: i.votes }),
    t("ideas.comment_count", { n: comments }), authorName(i.author)].join(" · ");
}

function voteButton(i, after) {
  const open = OPEN.includes(i.status) && !i.hidden;
  const b = button(i.voted ? t("ideas.unvote") : t("ideas.vote"), () => attempt(after.where, async () => {
    after.done(await api(i.voted ? "DELETE" : "POST", path(i.idea_id, "/vote")));
  }), { className: i.voted ? "secondary" : "primary", disabled: !open });
  b.setAttribute("aria-pressed", String(Boolean(i.voted)));
  b.setAttribute("aria-label", `${i.voted ? t("ideas.unvote") : t("ideas.vote")}: ${i.title}`);
  return b;
}

function ideaCard(i) {
  const li = element("li", "", { className: "card" });
  li.dataset.idea = i.idea_id;
  const heading = element("h2");
  heading.append(element("a", i.title, { href: `#/ideas/${encodeURIComponent(i.idea_id)}` }));
  const result = status();
  const excerpt = i.excerpt ?? i.text.slice(0, 200);
  li.append(heading, element("p", excerpt), element("p", ideaFacts(i), { className: "hint" }),
    voteButton(i, { where: result, done: (fresh) => li.replaceWith(ideaCard(fresh)) }), result);
  return li;
}

function filters() {
  const f = $("ideas-filter");
  const query = new URLSearchParams({ status: f.status.value, sort: f.sort.value });
  if (f.topic.value) query.set("topic", f.topic.value);
  return query;
}

async function load(more) {
  const query = filters();
  if (more && next) query.set("cursor", next);
  const current = ticket();
  $("ideas-list").setAttribute("aria-busy", "true");  // until the list asked for last is shown
  const page = await api("GET", `/me/ideas?${query}`).finally(() => {
    if (current()) $("ideas-list").removeAttribute("aria-busy");
  });
  if (!current()) return;
  const cards = page.items.map(ideaCard);
  if (more) $("ideas-list").append(...cards); else $("ideas-list").replaceChildren(...cards);
  emptyNote($("ideas-list"), t("ideas.none"));
  next = page.next_cursor;
  $("ideas-more").hidden = !next;
}

export async function showIdeas() {
  await load(false);
}

function historyList(idea) {
  const list = element("ol", "", { className: "timeline" });
  for (const e of idea.history) {
    const what = e.kind === "answer" ? t("ideas.answered_entry") : t("ideas.status_entry", { status: t(`ideas.status.${e.status}`) });
    const li = element("li");
    li.append(element("time", at(e.at), { dateTime: e.at }), " ", element("strong", what), element("p", e.text));
    list.append(li);
  }
  emptyNote(list, t("ideas.no_history"));
  return list;
}

function commentList(idea) {
  const list = element("ol", "", { className: "messages" });
  for (const c of idea.comments) {
    const li = element("li", "", { className: "message" });
    const who = c.author.you ? t("ideas.by_you") : c.author.idea_author ? t("ideas.by_idea_author", { name: c.author.pseudonym })
      : t("ideas.by_customer", { name: c.author.pseudonym });
    li.append(element("p", `${who} · ${at(c.created_at)}`, { className: "hint" }), element("p", c.text));
    if (c.hidden) li.append(element("p", t("ideas.comment_hidden", { reason: c.hidden.reason }), { className: "notice" }));
    list.append(li);
  }
  emptyNote(list, t("ideas.no_comments"));
  return list;
}

function editForm(idea, render) {
  const details = element("details");
  const form = element("form", "", { className: "stack" });
  const title = element("input", "", { name: "title", value: idea.title, minLength: 5, maxLength: 120, required: true });
  const text = element("textarea", idea.text, { name: "text", rows: 5, minLength: 10, maxLength: 2000, required: true });
  const topic = select("topic", Object.fromEntries(TOPICS.map((k) => [k, t(`ideas.topic.${k}`)])), idea.topic);
  const result = status();
  form.append(labelled(t("ideas.title_field"), title), labelled(t("ideas.text_field"), text),
    labelled(t("ideas.topic_field"), topic), element("button", t("ideas.save"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    attempt(result, async () => {
      render(await api("PATCH", path(idea.idea_id), { title: title.value.trim(), text: text.value.trim(), topic: topic.value }));
      say("idea-status", t("ideas.saved"));
    });
  });
  details.append(element("summary", t("ideas.edit")), form);
  return details;
}

function commentForm(idea, render) {
  const form = element("form", "", { className: "stack" });
  const text = element("textarea", "", { name: "text", rows: 3, minLength: 2, maxLength: 1000, required: true });
  const result = status();
  form.append(labelled(t("ideas.comment_field"), text), element("button", t("ideas.comment"), { className: "primary" }), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    attempt(result, async () => {
      render(await api("POST", path(idea.idea_id, "/comments"), { text: text.value.trim() }));
      say("idea-status", t("ideas.commented"));
    });
  });
  return form;
}

function renderIdea(idea) {
  $("idea-title").textContent = idea.title;
  const parts = [];
  if (idea.hidden) parts.push(element("p", t("ideas.hidden_notice", { reason: idea.hidden.reason }), { className: "notice" }));
  parts.push(element("p", `${ideaFacts(idea)} · ${t("ideas.posted", { when: at(idea.created_at) })}`, { className: "hint" }),
    element("p", idea.text, { className: "lead" }));
  const actions = element("div", "", { className: "actions" });
  const result = $("idea-status");
  actions.append(voteButton(idea, { where: result, done: renderIdea }));
  if (!idea.hidden) {
    actions.append(button(idea.following ? t("ideas.unfollow") : t("ideas.follow"), () => attempt(result, async () => {
      renderIdea(await api(idea.following ? "DELETE" : "POST", path(idea.idea_id, "/follow")));
      say(result, idea.following ? t("ideas.unfollowed") : t("ideas.followed"));
    }), { className: "secondary" }));
  }
  parts.push(actions, element("p", t("ideas.followers", { n: idea.followers }), { className: "hint" }));
  if (idea.editable) parts.push(editForm(idea, renderIdea));
  if (idea.answer) {
    const answer = element("article", "", { className: "card attention" });
    answer.append(element("h2", t("ideas.answer_title")), element("p", idea.answer.text),
      element("p", at(idea.answer.at), { className: "hint" }));
    parts.push(answer);
  }
  parts.push(element("h2", t("ideas.history")), historyList(idea), element("h2", t("ideas.comments_title")), commentList(idea));
  if (!idea.hidden) parts.push(commentForm(idea, renderIdea));
  $("idea-body").replaceChildren(...parts);
}

export async function showIdea(id) {
  say("idea-status", "");
  renderIdea(await api("GET", path(id)));
}

$("ideas-filter").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt("ideas-status", () => load(false));
});
$("ideas-more").addEventListener("click", () => attempt("ideas-status", () => load(true)));
$("idea-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  if (!f.reportValidity()) return;
  attempt("ideas-status", async () => {
    const idea = await api("POST", "/me/ideas", { title: f.title.value.trim(), text: f.text.value.trim(), topic: f.topic.value });
    f.reset();
    go(`#/ideas/${encodeURIComponent(idea.idea_id)}`);
  });
});
