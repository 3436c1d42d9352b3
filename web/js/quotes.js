// Quotes: a product, or another plan of one held, offered at prices that hold until the quote's
// last day. The customer accepts one (a product then waits below to be signed, as any order;
// another plan is in force at once) or declines it. Staff make one for the customer on the
// customer's page, and withdraw one still open.

import { planName, plansOf, productName } from "./catalogue.js";
import { attempt, button, definitions, element, labelled, say, select, status } from "./dom.js";
import { day, euros } from "./format.js";
import { t } from "./i18n.js";
import { visitChooser } from "./orders.js";
import { RECORD_CHANGED, announce, api, state } from "./session.js";

// what happened, told in the quotes' part of the page shown (drawn again after a decision)
function tell(text) {
  const where = document.querySelector("[data-page]:not([hidden]) .quotes-status");
  if (!where) return;
  say(where, text);
  where.focus();
}

function priceLine(q) {
  const monthly = t("quote.monthly", { amount: euros(q.prices.monthly_fee_cents) });
  const once = q.prices.one_off_cents ? `, ${t("quote.one_off", { amount: euros(q.prices.one_off_cents) })}` : "";
  return `${monthly}${once} ${t("quote.vat")}`;
}

function quoteCard(q, base, reload, staff) {
  const card = element("article", "", { className: "card quote" });
  card.dataset.quote = q.quote_id;
  const product = productName(q.product.code, q.product.name);
  const plan = planName(q.product.plan_code, q.product.plan);
  card.append(element("h3", t(q.kind === "plan_change" ? "quote.title_change" : "quote.title", { product, plan })));
  const facts = [[t("quote.price"), priceLine(q)]];
  if (q.product.from_plan) facts.push([t("quote.from_plan"), planName(q.product.from_plan.code, q.product.from_plan.name)]);
  facts.push([t("quote.valid_until"), day(q.valid_until)], [t("quote.state"), t(`quote.status.${q.status}`)]);
  card.append(definitions(facts));
  const result = status();
  const path = `${base}/quotes/${encodeURIComponent(q.quote_id)}`;
  if (q.status === "open" && !staff) {
    const visit = q.fulfilment ? visitChooser() : null;
    if (visit) {
      card.append(visit);
      attempt(result, () => visit.show(q.fulfilment));
    }
    const accept = button(t("quote.accept"), () => attempt(result, async () => {
      const body = {};
      if (visit && visit.kind()) {
        body.slot = visit.chosen();
        if (!body.slot) { visit.tell(t("appointments.pick_one")); return; }
      }
      const accepted = await api("POST", `${path}/acceptance`, body);
      await reload();
      tell(accepted.order ? t("quote.accepted_order", { product }) : t("quote.accepted_plan", { product, plan }));
      announce(RECORD_CHANGED);
    }), { className: "primary" });
    const decline = button(t("quote.decline"), () => attempt(result, async () => {
      await api("POST", `${path}/decline`);
      await reload();
      tell(t("quote.declined", { product }));
    }), { className: "secondary" });
    const controls = element("div", "", { className: "controls" });
    controls.append(accept, decline);
    card.append(controls);
  }
  if (q.status === "open" && staff) {
    card.append(button(t("quote.withdraw"), () => attempt(result, async () => {
      await api("POST", `${path}/withdrawal`);
      await reload();
      tell(t("quote.withdrawn", { product }));
    }), { className: "secondary" }));
  }
  card.append(result);
  return card;
}

// staff: a quote of a product of the catalogue, or of another plan of a product the customer holds
function makeForm(base, reload, products) {
  const form = element("form", "", { className: "stack quote-form" });
  const options = {};
  for (const p of state.catalogue || []) {
    for (const plan of p.plans) {
      options[`new/${p.code}/${plan.code}`] = t("quote.new_option", { product: productName(p.code, p.name),
        plan: planName(plan.code, plan.name), amount: euros(plan.monthly_fee_cents) });
    }
  }
  for (const held of products.filter((p) => p.status === "ACTIVE" && !p.ends_on)) {
    for (const plan of plansOf(held.product_code).filter((x) => x.code !== held.plan_code)) {
      options[`held/${held.product_id}/${plan.code}`] = t("quote.change_option", {
        product: productName(held.product_code, held.name), plan: planName(plan.code, plan.name),
        amount: euros(plan.monthly_fee_cents) });
    }
  }
  const days = element("input", "", { type: "number", name: "valid_days", min: 1, max: 60, value: 30, required: true });
  const result = status();
  form.append(labelled(t("quote.what"), select("offer", options)),
    labelled(t("quote.valid_days"), days, t("quote.valid_days_hint")),
    element("button", t("quote.make"), { className: "primary" }), result);
  let key = crypto.randomUUID();  // the same quote however often this one is sent
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(result, async () => {
      const [what, code, planCode] = form.offer.value.split("/");
      const body = { plan_code: planCode, valid_days: Number(days.value) };
      if (what === "held") body.product_id = code;
      else body.product_code = code;
      const made = await api("POST", `${base}/quotes`, body, { "Idempotency-Key": key });
      key = crypto.randomUUID();
      await reload();
      tell(t("quote.made", { date: day(made.valid_until) }));
    });
  });
  return form;
}

// the part of the page: what just happened, the quotes newest first, and for staff the form
export async function quoting(base, reload, staff = false, quotes = null, products = []) {
  const items = quotes || (await api("GET", `${base}/quotes`)).items;
  const said = status("status quotes-status");
  said.tabIndex = -1;
  const cards = items.map((q) => quoteCard(q, base, reload, staff));
  const none = cards.length ? [] : [element("p", t("quote.none"), { className: "hint" })];
  return [said, ...none, ...cards, ...(staff ? [makeForm(base, reload, products)] : [])];
}
