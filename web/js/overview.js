// The overview: what matters at a glance, each card leading to its page. Read in parallel: the
// record (with the visits planned, what it lacks and what is coming), the invoices, this month's
// use, the requests and what still needs a visit.

import { windowText } from "./appointments.js";
import { callbackWhen } from "./callbacks.js";
import { catalogue, planName, productName } from "./catalogue.js";
import { $, element, item } from "./dom.js";
import { addressLine, day, euros } from "./format.js";
import { t } from "./i18n.js";
import { productStatus } from "./products.js";
import { feedbackCard } from "./feedback.js";
import { api, state } from "./session.js";
import { loadUsage, usageCard } from "./usage.js";

function card(title, href, ...content) {
  const article = element("article", "", { className: "card" });
  const heading = element("h2");
  heading.append(element("a", title, { href }));
  article.append(heading, ...content);
  return article;
}

export async function showOverview() {
  $("overview-cards").setAttribute("aria-busy", "true");  // until every card shows the customer's data
  try {
    await fill();
  } finally {
    $("overview-cards").removeAttribute("aria-busy");
  }
}

async function fill() {
  const asking = feedbackCard();  // the one question after a journey, if any: asked alongside
  const [record, invoices, usage, requests, visits] = await Promise.all([api("GET", "/me"), api("GET", "/me/invoices"),
    loadUsage().catch(() => ({ products: [] })), api("GET", "/me/requests").catch(() => ({ items: [] })),
    api("GET", "/me/appointments").catch(() => ({ to_plan: [] })), catalogue().catch(() => [])]);
  state.record = record;
  $("overview-title").textContent = t("overview.hello", { name: record.personal.given_name });
  const cards = [];
  const open = invoices.items.filter((i) => i.balance_cents > 0);
  const overdue = open.filter((i) => i.overdue);
  cards.push(card(t("nav.invoices"), "#/invoices",
    element("p", open.length ? t("overview.open", { amount: euros(invoices.open_balance_cents), n: open.length })
      : t("invoices.nothing_open"), { className: overdue.length ? "lead error" : "lead" }),
    ...(open.length ? [element("a", t("overview.pay"), { href: `#/invoices/${encodeURIComponent(open[0].invoice_id)}`, className: "button primary" })] : [])));
  const products = element("ul", "", { className: "plain" });
  products.append(...record.products.map((p) => item(`${productName(p.product_code, p.name)} – ${planName(p.plan_code, p.plan)} (${productStatus(p)})`)));
  cards.push(card(t("nav.products"), "#/products", products));
  for (const product of usage.products.slice(0, 2)) {
    const used = usageCard(product, "h3");
    cards.push(card(t("nav.usage"), "#/usage", ...used.childNodes));
  }
  const next = record.appointments[0];
  cards.push(card(t("nav.appointments"), "#/appointments", element("p", next
    ? t("overview.next_visit", { who: t(`appointments.kinds.${next.kind}`), when: windowText(next.window) })
    : visits.to_plan.length ? t("overview.plan_visit", { product: productName(visits.to_plan[0].product_code, visits.to_plan[0].name) })
      : t("overview.no_visits"))));
  const running = requests.items.filter((r) => r.status !== "done");
  cards.push(card(t("nav.requests"), "#/requests", element("p", running.length
    ? t("overview.requests", { n: running.length, subject: running[0].subject }) : t("overview.no_requests"))));
  if (record.upcoming_moves.length) {
    const move = record.upcoming_moves[0];
    cards.push(card(t("settings.move"), "#/settings", element("p", t("overview.moving", { address: addressLine(move), date: day(move.effective_from) }))));
  }
  const coming = record.coming_events.filter((e) => ["fixed_price_ends", "price_change", "product_ends"].includes(e.kind));
  if (coming.length) {
    const list = element("ul", "", { className: "plain", id: "coming-events" });
    list.append(...coming.map((e) => item(t(`overview.coming.${e.kind}`, {
      product: productName(e.product_code, e.name), plan: planName(e.plan_code, e.plan), date: day(e.on),
      old: e.old_fee_cents === undefined ? "" : euros(e.old_fee_cents), new: e.new_fee_cents === undefined ? "" : euros(e.new_fee_cents) }))));
    cards.push(card(t("overview.coming.title"), "#/products", list));
  }
  const callback = (record.planned_contacts || []).find((p) => p.kind === "callback");
  cards.push(card(t("nav.contact"), "#/contact", element("p", callback
    ? t("overview.next_callback", { when: callbackWhen(callback.window) }) : t("overview.contact"))));
  if (record.missing_data.length) {
    const list = element("ul", "", { className: "plain", id: "missing-data" });
    list.append(...record.missing_data.map((m) => {
      const li = element("li");
      li.append(element("a", t(`overview.missing.${m.item}`), { href: "#/settings" }));
      return li;
    }));
    cards.push(card(t("overview.missing.title"), "#/settings", list));
  }
  $("overview-cards").replaceChildren(...cards);
  const question = await asking;
  if (question) $("overview-cards").prepend(question);
}
