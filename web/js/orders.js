// Ordering more: every product on sale with its plans and prices, ordered with one press, signed
// with the code we mail to the customer, and the new product on the page at once. A product that
// needs a visit (or a delivery) is ordered with the half hour chosen here, from the windows free at
// the customer's postcode; it works once the visit is done. An order not signed yet waits here to
// be signed. Staff use the same section on a customer's page, the customer reading out the code
// they received.

import { windowText } from "./appointments.js";
import { catalogue, planName, productName } from "./catalogue.js";
import { attempt, button, element, labelled, say, select, status } from "./dom.js";
import { day, euros, today, weekday } from "./format.js";
import { t } from "./i18n.js";
import { RECORD_CHANGED, announce, api, state } from "./session.js";

// the kinds whose first day the customer may choose (a switch of energy supplier)
const CHOSEN_START = ["energy"];

async function terms() {
  if (!state.terms) state.terms = await api("GET", "/terms");
  return state.terms;
}

// what happened, told in the ordering section of the page shown (drawn again after an order)
function tell(text) {
  const where = document.querySelector("[data-page]:not([hidden]) .ordering-status");
  if (!where) return;
  say(where, text);
  where.focus();
}

function planLine(plan) {
  const parts = [t("order.plan_option", { plan: planName(plan.code, plan.name), amount: euros(plan.monthly_fee_cents) })];
  if (plan.connection_fee_cents) parts.push(t("order.connection", { amount: euros(plan.connection_fee_cents) }));
  if (plan.fixed_term_months) parts.push(t("order.fixed", { n: plan.fixed_term_months }));
  return parts.join(", ");
}

// 30-minute windows to choose one from, as radio buttons named `name`
function windowChoices(name, windows) {
  return windows.map((w) => {
    const choice = element("label");
    choice.append(element("input", "", { type: "radio", name, value: w.start, required: true }), `${w.from}–${w.until}`);
    return choice;
  });
}

// the half hour a visit (or a delivery) of the product chosen comes in: a day, then its free
// windows at the customer's postcode. `show(kind)` loads them (false: the kind is planned
// without a window); `chosen()` is the window's start
export function visitChooser() {
  const box = element("fieldset", "", { className: "slots order-visit" });
  const legend = element("legend", "");
  const lead = element("p", "", { className: "hint" });
  const days = select("visit_day", {});
  const windows = element("div", "", { className: "slot-days" });
  const result = status();
  box.append(legend, lead, labelled(t("order.visit_day"), days), windows, result);
  box.hidden = true;
  let found = [];
  let shownKind = null;
  const showDay = () => {
    const chosenDay = found.find((d) => d.date === days.value);
    windows.replaceChildren(...windowChoices("visit_slot", chosenDay ? chosenDay.slots : []));
  };
  days.addEventListener("change", showDay);
  box.show = async (kind) => {
    shownKind = kind;
    const postcode = state.record && state.record.address ? state.record.address.postcode : "";
    let offered;
    try {
      offered = await api("GET", `/appointments/slots?${new URLSearchParams({ postcode, kind })}`);
    } catch (error) {
      if (error.field === "kind") return false;  // not planned to the half hour (yet): ordered without
      throw error;
    }
    if (shownKind !== kind) return true;  // another product was chosen meanwhile
    found = offered.days.filter((d) => d.slots.length);
    legend.textContent = t(`order.visit.${kind}`);
    lead.textContent = found.length ? t("order.visit_lead") : t("order.no_windows");
    days.replaceChildren(...found.map((d) => element("option", weekday(d.date), { value: d.date })));
    showDay();
    say(result, "");
    box.hidden = false;
    return true;
  };
  box.hide = () => { shownKind = null; box.hidden = true; windows.replaceChildren(); };
  box.kind = () => (box.hidden ? null : shownKind);
  box.chosen = () => (box.querySelector('input[name="visit_slot"]:checked') || {}).value;
  box.tell = (text) => say(result, text, false);
  return box;
}

// the catalogue as a choice of plans, grouped by product, and the button that orders the one chosen
function shop(base, reload) {
  const form = element("form", "", { className: "order-form" });
  const result = status();
  const products = state.catalogue || [];
  const grid = element("div", "", { className: "cards" });
  grid.append(...products.map((p) => {
    const set = element("fieldset", "", { className: "plans" });
    set.append(element("legend", productName(p.code, p.name)));
    set.append(...p.plans.map((plan) => {
      const label = element("label");
      label.append(element("input", "", { type: "radio", name: "plan", value: `${p.code}/${plan.code}`, required: true }),
        element("span", planLine(plan)));
      return label;
    }));
    return set;
  }));
  const starts = element("input", "", { type: "date", name: "starts_on", min: today() });
  const startLabel = labelled(t("order.starts_on"), starts, t("order.starts_on_hint"));
  startLabel.hidden = true;
  const visit = visitChooser();
  form.append(grid, startLabel, visit, element("button", t("order.submit"), { className: "primary" }), result);
  const chosen = () => {
    const [productCode, planCode] = (form.plan.value || "/").split("/");
    const product = products.find((p) => p.code === productCode);
    return { product, planCode };
  };
  let shownProduct = null;
  form.addEventListener("change", (event) => {
    if (event.target.name !== "plan") return;
    const { product } = chosen();
    startLabel.hidden = !(product && CHOSEN_START.includes(product.kind));
    if (startLabel.hidden) starts.value = "";
    if (!product || product.code === shownProduct) return;
    shownProduct = product.code;
    const kind = product.fulfilment && product.fulfilment.kind;
    visit.hide();
    if (kind) attempt(result, () => visit.show(kind));
  });
  let key = crypto.randomUUID();  // the same order however often this one is sent
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(result, async () => {
      const { product, planCode } = chosen();
      const body = { product_code: product.code, plan_code: planCode };
      if (!startLabel.hidden && starts.value) body.starts_on = starts.value;
      if (visit.kind()) {
        body.slot = visit.chosen();
        if (!body.slot) { visit.tell(t("appointments.pick_one")); return; }
      }
      let order;
      try {
        order = await api("POST", `${base}/products`, body, { "Idempotency-Key": key });
      } catch (error) {
        if (error.reason === "slot_taken") await visit.show(visit.kind()).catch(() => {});  // what is free now
        throw error;
      }
      key = crypto.randomUUID();
      await reload();
      const named = { product: productName(order.product.code, order.product.name),
        plan: planName(order.product.plan_code, order.product.plan) };
      tell(order.fulfilment ? t("order.placed_visit", { ...named, when: windowText(order.fulfilment.window) })
        : t("order.placed", named));
    });
  });
  return form;
}

function afterSigning(order) {
  const product = productName(order.product.code, order.product.name);
  if (order.status === "SIGNED" && order.fulfilment) {
    return t("order.waiting_visit", { product, what: t(`order.awaits.${order.fulfilment.kind}`),
      when: windowText(order.fulfilment.window) });
  }
  if (order.status === "SIGNED") return t("order.waiting", { product });
  const number = order.steps.find((s) => s.name === "activation").identifier;
  if (order.starts_on && order.starts_on > today()) return t("order.scheduled", { product, date: day(order.starts_on) });
  return t("order.active", { product, number });
}

// an order to sign: the terms, a code mailed to the customer, and the code typed back
function signPanel(order, base, reload, staff) {
  const box = element("article", "", { className: "notice" });
  box.dataset.order = order.order_id;
  const product = productName(order.product.code, order.product.name);
  const plan = planName(order.product.plan_code, order.product.plan);
  const hint = status();
  const result = status();
  const termsText = element("div", "", { className: "terms" });
  const details = element("details");
  details.append(element("summary", t("order.terms")), termsText);
  terms().then((current) => termsText.replaceChildren(...current.text.split(/\n\n+/).map((part) => element("p", part))),
    () => {});
  const path = `${base}/orders/${encodeURIComponent(order.order_id)}`;
  const send = button(t(staff ? "order.send_code_staff" : "order.send_code"), () => attempt(hint, async () => {
    const sent = await api("POST", `${path}/signature-code`);
    say(hint, t("order.code_sent", { to: sent.sent_to }));
    form.code.focus();
  }), { className: "secondary" });
  const form = element("form", "", { className: "stack" });
  const accept = element("label", "", { className: "check" });
  accept.append(element("input", "", { type: "checkbox", name: "accept", required: true }),
    element("span", t(staff ? "order.accept_staff" : "order.accept")));
  // where the window chosen filled before signing: the next free ones, one to sign for instead
  const other = element("fieldset", "", { className: "slots", hidden: true });
  form.append(
    labelled(t("order.code"), element("input", "", { name: "code", inputMode: "numeric", pattern: "[0-9]{6}", maxLength: 6,
      autocomplete: "one-time-code", required: true })),
    accept, other, element("button", t("order.sign"), { className: "primary" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(result, async () => {
      const current = await terms();
      const body = { code: form.code.value.trim(), terms_version: current.version, terms_sha256: current.sha256,
        accept_terms: form.accept.checked };
      const instead = other.querySelector("input:checked");
      if (instead) body.slot = instead.value;
      let signed;
      try {
        signed = await api("POST", `${path}/signature`, body);
      } catch (error) {
        if (error.reason !== "slot_taken") throw error;
        other.replaceChildren(element("legend", t("order.pick_other")),
          ...windowChoices(`other-${order.order_id}`, error.params.next_free).map((choice, n) => {
            choice.prepend(`${weekday(error.params.next_free[n].date)}, `);
            return choice;
          }));
        other.hidden = false;
        throw error;
      }
      await reload();
      tell(afterSigning(signed));
      announce(RECORD_CHANGED);
    });
  });
  box.append(element("h3", t("order.to_sign", { product, plan })),
    element("p", t(staff ? "order.sign_lead_staff" : "order.sign_lead")), details, send, hint, form, result);
  return box;
}

// the section: what just happened, the orders still to sign, then the shop
export async function ordering(base, reload, staff = false) {
  await catalogue();
  const orders = (await api("GET", `${base}/orders`)).items;
  const said = status("status ordering-status");
  said.tabIndex = -1;
  const open = orders.filter((o) => o.status === "PLACED").map((o) => signPanel(o, base, reload, staff));
  const waiting = orders.filter((o) => o.status === "SIGNED" && o.fulfilment).map((o) => element("p",
    afterSigning(o), { className: "notice" }));
  return [said, ...waiting, ...open, shop(base, reload)];
}
