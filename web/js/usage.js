// Usage this month (or another), against what the plan includes.

import { $, element, item, say } from "./dom.js";
import { UNITS, quantity } from "./format.js";
import { api } from "./session.js";

export async function loadUsage() {
  const form = $("usage-form");
  const data = await api("GET", `/me/usage${form.period.value ? `?period=${encodeURIComponent(form.period.value)}` : ""}`);
  form.period.value = data.period;
  $("usage").replaceChildren(...data.products.map((product) => {
    const article = element("article");
    article.append(element("h4", `${product.name} – ${product.plan}`));
    const list = element("ul", "", { className: "usage" });
    for (const u of product.usage) {
      const li = item(`${UNITS[u.unit] || u.unit}: ${quantity(u.used, u.unit)}` + (u.included === null ? " (unlimited)"
        : u.included > 0 ? ` of ${quantity(u.included, u.unit)}` : "") +
        (u.beyond_bundle > 0 && u.included > 0 ? `, ${quantity(u.beyond_bundle, u.unit)} beyond your bundle` : ""));
      if (u.included > 0) {
        const meter = element("meter", "", { min: 0, max: u.included, value: Math.min(u.used, u.included) });
        meter.setAttribute("aria-label", `${UNITS[u.unit] || u.unit}: share of the bundle used`);
        li.append(meter);
      }
      list.append(li);
    }
    article.append(list);
    if (!product.records) article.append(element("p", "Nothing used yet this month.", { className: "hint" }));
    return article;
  }));
  if (!data.products.length) $("usage").replaceChildren(element("p", "No products to show use for.", { className: "hint" }));
}

$("usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  say("", true, "usage-message");
  loadUsage().catch((error) => say(error.message, false, "usage-message"));
});
