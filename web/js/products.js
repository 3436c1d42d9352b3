// The products held: the catalogue's plan names, and a customer's own plan changes and
// cancellations (while a product is active).

import { $, element, item, say } from "./dom.js";
import { euros } from "./format.js";
import { RECORD_STALE, announce, api, state } from "./session.js";
import { refreshTimelineSoon } from "./timeline.js";
import { loadUsage } from "./usage.js";

export async function catalogue() {
  if (!state.catalogue) state.catalogue = (await api("GET", "/products")).items;
  return state.catalogue;
}

export function planName(code) {
  const plan = (state.catalogue || []).flatMap((p) => p.plans).find((x) => x.code === code);
  return plan ? plan.name : code;
}

export function showProducts() {
  $("products").replaceChildren(...state.record.products.map((x) => {
    const status = x.status.toLowerCase();
    const li = item(`${x.name} – ${x.plan} (${!x.ends_on ? status : x.status === "ACTIVE" ? `active, ends on ${x.ends_on}`
      : `${status} on ${x.ends_on}`})`);
    li.dataset.product = x.product_id;
    if (state.base === "/me" && x.status === "ACTIVE" && !x.ends_on) li.append(productControls(x));
    return li;
  }));
}

function productControls(product) {
  const details = element("details");
  details.append(element("summary", "Change or cancel"));
  const plans = ((state.catalogue || []).find((p) => p.code === product.product_code) || { plans: [] }).plans
    .filter((plan) => plan.code !== product.plan_code);
  if (plans.length) {
    const select = element("select", "", { name: "plan_code" });
    select.append(...plans.map((plan) => element("option", `${plan.name} (${euros(plan.monthly_fee_cents)} a month)`,
      { value: plan.code })));
    const label = element("label", `New plan for ${product.name}`);
    label.append(select);
    const form = element("form", "", { className: "row" });
    form.append(label, element("button", "Change plan"));
    form.addEventListener("submit", (event) => { event.preventDefault(); changePlan(product, select.value); });
    details.append(form);
  }
  const when = element("select", "", { name: "when" });
  when.append(element("option", "At the end of the month", { value: "end_of_period" }), element("option", "Now", { value: "now" }));
  const label = element("label", `Cancel ${product.name}`);
  label.append(when);
  const form = element("form", "", { className: "row" });
  form.append(label, element("button", "Cancel product", { className: "danger" }));
  form.addEventListener("submit", (event) => { event.preventDefault(); cancelProduct(product, when.value); });
  details.append(form);
  return details;
}

function replaceProduct(product) {
  state.record.products = state.record.products.map((x) => (x.product_id === product.product_id ? product : x));
  showProducts();
  // the controls were drawn anew: keep the keyboard where it was, or on the message
  ($("products").querySelector(`[data-product="${product.product_id}"] summary`) || $("product-message")).focus();
  refreshTimelineSoon();
}

async function changePlan(product, planCode) {
  try {
    const changed = await api("PATCH", `/me/products/${product.product_id}`, { plan_code: planCode, version: product.version });
    const { proration: p } = changed;
    replaceProduct(changed);
    say(`${changed.name} is on ${changed.plan} now. From today: ${euros(Math.abs(p.net_cents))} ` +
      `${p.net_cents < 0 ? "less" : "more"} this month (${p.days_left} of ${p.days_in_month} days: ` +
      `${euros(p.charge_cents)} on ${changed.plan}, ${euros(-p.credit_cents)} back for ${product.plan}).`, true, "product-message");
    loadUsage().catch(() => {});
  } catch (error) {
    say(error.message, false, "product-message");
    if (error.status === 409) announce(RECORD_STALE);
  }
}

async function cancelProduct(product, when) {
  const moment = when === "now" ? "today" : "at the end of this month";
  if (!confirm(`Cancel ${product.name} (${product.plan}) ${moment}?`)) return;
  try {
    const cancelled = await api("POST", `/me/products/${product.product_id}/cancellation`, { when });
    replaceProduct(cancelled);
    say(`${cancelled.name} is cancelled${when === "now" ? " from today" : `: it ends on ${cancelled.ends_on}`}.`, true, "product-message");
  } catch (error) { say(error.message, false, "product-message"); }
}
