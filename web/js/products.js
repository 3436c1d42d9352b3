// My products: each with its plan, status and price; another plan at once, or a cancellation
// now or at the end of the month (asked once more before it is done); and more ordered below
// them. Staff use the same cards on a customer's page, acting on their behalf.

import { catalogue, planName, plansOf, productName } from "./catalogue.js";
import { $, attempt, definitions, element, emptyNote, labelled, say, select, status } from "./dom.js";
import { day, euros } from "./format.js";
import { t } from "./i18n.js";
import { ordering } from "./orders.js";
import { quoting } from "./quotes.js";
import { RECORD_CHANGED, announce, api, state } from "./session.js";

export function productStatus(p) {
  if (p.status === "ACTIVE" && p.ends_on) return t("products.ends_on", { date: day(p.ends_on) });
  return t(`products.status.${p.status.toLowerCase()}`);
}

export async function showProducts() {
  await catalogue().catch(() => {});
  const record = await api("GET", "/me");
  state.record = record;
  $("products").replaceChildren(...record.products.map((p) => productCard(p, "/me", showProducts)));
  emptyNote($("products"), t("products.none"));
  $("quotes").replaceChildren(...await quoting("/me", showProducts));
  $("ordering").replaceChildren(...await ordering("/me", showProducts));
}

// a product as a card; its plan changed or cancelled through `base` (/me, or a customer's record
// for staff), then `reload()` shows the page again
export function productCard(p, base, reload) {
  const card = element("li", "", { className: "card" });
  card.dataset.product = p.product_id;
  card.append(element("h2", productName(p.product_code, p.name)),
    definitions([[t("products.plan"), planName(p.plan_code, p.plan)], [t("products.state"), productStatus(p)],
      [t("products.price"), t("products.per_month", { amount: euros(p.monthly_fee_cents) })],
      [t("products.since"), day(p.started_at)], ...(p.identifier ? [[t("products.number"), p.identifier]] : [])]));
  if (p.history?.length) card.append(planHistory(p.history, base === "/me"));
  if (p.status === "ACTIVE" && !p.ends_on) card.append(controls(p, base, reload));
  return card;
}

// every plan the product had, newest first: from when until when, and how it came (the
// customer's own words on the portal, "the customer" at the desk; staff by role, never by name)
function planHistory(history, own) {
  const list = element("ol", "", { className: "plan-history" });
  for (const period of history) {
    const when = period.until
      ? t("products.history.between", { from: day(period.from), until: day(period.until) })
      : t("products.history.since", { from: day(period.from) });
    let why = "";
    if (period.why === "staff") why = t(`products.history.staff.${period.by || "agent"}`);
    else if (period.why) why = t(`products.history.${own ? "own" : "desk"}.${period.why}`);
    const item = element("li", t("products.history.period", { plan: planName(period.plan_code, period.plan), when }));
    if (why) item.append(element("span", ` · ${why}`, { className: "why" }));
    list.append(item);
  }
  const box = element("div", "", { className: "stack" });
  box.append(element("h3", t("products.history.title")), list);
  return box;
}

function controls(product, base, reload) {
  const box = element("div", "", { className: "stack" });
  const result = status();
  const plans = plansOf(product.product_code).filter((plan) => plan.code !== product.plan_code);
  if (plans.length) {
    const choice = select("plan_code", Object.fromEntries(plans.map((plan) =>
      [plan.code, t("products.plan_option", { plan: planName(plan.code, plan.name), amount: euros(plan.monthly_fee_cents) })])));
    const form = element("form", "", { className: "inline" });
    form.append(labelled(t("products.other_plan"), choice), element("button", t("products.change")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(result, async () => {
        const changed = await api("PATCH", `${base}/products/${product.product_id}`, { plan_code: choice.value, version: product.version });
        const p = changed.proration;
        await reload();
        const shown = document.querySelector(`[data-page]:not([hidden]) [data-product="${product.product_id}"] .status`);
        say(shown, t(p.net_cents < 0 ? "products.changed_less" : "products.changed_more", {
          plan: planName(changed.plan_code, changed.plan), amount: euros(Math.abs(p.net_cents)), days: p.days_left }));
        announce(RECORD_CHANGED);
      });
    });
    box.append(form);
  }
  const when = select("when", { end_of_period: t("products.at_month_end"), now: t("products.now") });
  const cancel = element("form", "", { className: "inline" });
  const go = element("button", t("products.cancel"), { className: "danger" });
  cancel.append(labelled(t("products.cancel_when"), when), go);
  cancel.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!cancel.dataset.sure) {  // asked once more, beside the button, instead of a pop-up
      cancel.dataset.sure = "1";
      go.textContent = t("products.cancel_sure");
      say(result, t("products.cancel_question", { product: productName(product.product_code, product.name),
        when: when.value === "now" ? t("products.today") : t("products.month_end") }), false);
      return;
    }
    attempt(result, async () => {
      const cancelled = await api("POST", `${base}/products/${product.product_id}/cancellation`, { when: when.value });
      await reload();
      const shown = document.querySelector(`[data-page]:not([hidden]) [data-product="${product.product_id}"] .status`)
        || document.querySelector("[data-page]:not([hidden]) .products-status");
      say(shown, t("products.cancelled", { product: productName(cancelled.product_code, cancelled.name),
        date: day(cancelled.ends_on) }));
      announce(RECORD_CHANGED);
    });
  });
  box.append(cancel, result);
  return box;
}

