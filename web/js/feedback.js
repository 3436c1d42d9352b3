// The one question after a journey: when the customer moved, paid, signed up or had a dispute
// decided, the overview asks how easy it was (1 to 5), with room for a comment, at most once a
// week. "Rather not" puts the question away for good.

import { attempt, button, element, say, status } from "./dom.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

export async function feedbackCard() {
  const { question } = await api("GET", "/me/feedback/pending").catch(() => ({ question: null }));
  if (!question) return null;
  const card = element("article", "", { className: "card attention span", id: "feedback-card" });
  const form = element("form", "", { className: "stack" });
  const scale = element("fieldset", "", { className: "scale" });
  scale.append(element("legend", t(`feedback.question.${question.journey}`)));
  for (let n = question.lowest; n <= question.highest; n++) {
    const label = element("label", String(n));
    label.append(element("input", "", { type: "radio", name: "score", value: n, required: true }));
    scale.append(label);
  }
  const comment = element("label", t("feedback.comment"));
  comment.append(element("textarea", "", { name: "comment", rows: 2, maxLength: 1000 }));
  const result = status();
  const actions = element("div", "", { className: "actions" });
  actions.append(element("button", t("feedback.send"), { className: "primary" }), button(t("feedback.rather_not"), () =>
    attempt(result, async () => {
      await api("POST", "/me/feedback/dismissal", { event_id: question.event_id });
      card.remove();
    }), { className: "link" }));
  form.append(scale, element("p", t("feedback.scale_hint"), { className: "hint" }), comment, actions, result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = { event_id: question.event_id, journey: question.journey, score: Number(form.score.value) };
    if (form.comment.value.trim()) body.comment = form.comment.value.trim();
    attempt(result, async () => {
      await api("POST", "/me/feedback", body);
      const thanks = element("p", "", { className: "status ok", role: "status" });
      form.replaceWith(thanks);
      say(thanks, t("feedback.thanks"));
    });
  });
  card.append(element("h2", t("feedback.title")), form);
  return card;
}
