// Usage per product and month, as bars against what the plan includes.

import { bar } from "./charts.js";
import { catalogue, planName, productName } from "./catalogue.js";
import { $, element } from "./dom.js";
import { month, quantity } from "./format.js";
import { t } from "./i18n.js";
import { api } from "./session.js";

export async function loadUsage(period) {
  await catalogue().catch(() => {});
  return api("GET", `/me/usage${period ? `?period=${encodeURIComponent(period)}` : ""}`);
}

// one product's use as bars: against the bundle where there is one, else just the amount
export function usageCard(product, heading = "h2") {
  const card = element("article", "", { className: "card" });
  card.append(element(heading, `${productName(product.product_code, product.name)} – ${planName(product.plan_code, product.plan)}`));
  for (const u of product.usage) {
    const used = quantity(u.used, u.unit);
    if (u.included > 0) {
      card.append(bar(t(`units.name.${u.unit}`), t("usage.of", { used, included: quantity(u.included, u.unit) }),
        u.used / u.included, { note: u.beyond_bundle > 0 ? t("usage.beyond", { amount: quantity(u.beyond_bundle, u.unit) }) : "" }));
    } else {
      card.append(bar(t(`units.name.${u.unit}`), u.included === null ? t("usage.unlimited", { used }) : used, u.used ? 0.5 : 0));
    }
  }
  if (!product.records) card.append(element("p", t("usage.nothing_yet"), { className: "hint" }));
  return card;
}

export async function showUsage(period) {
  const data = await loadUsage(period);
  $("usage-form").period.value = data.period;
  $("usage").replaceChildren(element("h2", month(data.period), { className: "span" }), ...data.products.map((p) => usageCard(p, "h3")));
  if (!data.products.length) $("usage").append(element("p", t("usage.none"), { className: "hint" }));
}

$("usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showUsage(event.target.period.value).catch(() => {});
});
