// Usage per product and month, as bars against what the plan includes, and every record of the
// month, each of which can be disputed.

import { bar } from "./charts.js";
import { catalogue, planName, productName } from "./catalogue.js";
import { disputeForm } from "./disputes.js";
import { $, button, element, emptyNote, newest } from "./dom.js";
import { at, month, quantity } from "./format.js";
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

const RECORD_REASONS = ["not_mine", "wrong_amount", "charged_twice", "billed_after_cancellation", "other"];

function recordRow(r, products) {
  const row = element("li", "", { className: "row" });
  row.dataset.record = r.record_id;
  const product = products[r.product_id];
  row.append(element("span", at(r.occurred_at)), element("span", product ? productName(product.product_code, product.name) : ""),
    element("span", quantity(r.quantity, r.unit), { className: "amount" }));
  if (r.voided) row.append(element("span", t("usage.voided"), { className: "badge" }));
  else row.append(disputeForm({ kind: "usage_record", record_id: r.record_id }, 0, RECORD_REASONS));
  return row;
}

// an answer for a month asked for earlier (another month asked for meanwhile, or the page opened
// again) is left unshown
const monthAsked = newest();

// the month's records a page at a time, "show more" for the next
async function showRecords(period, products, cursor, current) {
  const list = $("usage-records");
  const query = new URLSearchParams({ period, ...(cursor ? { cursor } : {}) });
  const page = await api("GET", `/me/usage/records?${query}`);
  if (!current()) return;
  if (!cursor) list.replaceChildren();
  list.append(...page.items.map((r) => recordRow(r, products)));
  emptyNote(list, t("usage.records_none"));
  $("usage-more").replaceChildren(...(page.next_cursor
    ? [button(t("usage.more"), () => showRecords(period, products, page.next_cursor, monthAsked()).catch(() => {}))]
    : []));
}

export async function showUsage(period) {
  const current = monthAsked();
  const data = await loadUsage(period);
  if (!current()) return;
  $("usage-form").period.value = data.period;
  $("usage").replaceChildren(element("h2", month(data.period), { className: "span" }), ...data.products.map((p) => usageCard(p, "h3")));
  if (!data.products.length) $("usage").append(element("p", t("usage.none"), { className: "hint" }));
  await showRecords(data.period, Object.fromEntries(data.products.map((p) => [p.product_id, p])), null, current);
}

$("usage-form").addEventListener("submit", (event) => {
  event.preventDefault();
  showUsage(event.target.period.value).catch(() => {});
});
