// Online sign-up: choose a product (every cost shown before committing) and, where it needs a visit
// or a delivery, the half hour we come in at the postcode typed; apply, identify, sign: the product
// is active at once and its visit planned. Continue on any channel, or here later, with the code.

import { windowText } from "./appointments.js";
import { $, attempt, element, item, say } from "./dom.js";
import { errorText } from "./errors.js";
import { day, euros, phoneNumber, weekday } from "./format.js";
import { LANGUAGES, choose, currentLanguage, load, t } from "./i18n.js";
import { api, loadConfig } from "./session.js";

const CODE = "opencounter.signup";  // this tab only: the code continues the sign-up
const flow = { signup: null, code: null, terms: null, products: [], days: [], asked: 0 };
const named = (thing) => (thing.names && thing.names[currentLanguage()]) || thing.name;

function withCode() {
  return { "Resume-Code": flow.code };
}

function chosen() {
  const [productCode, planCode] = $("plans").value.split("/");
  const product = flow.products.find((p) => p.code === productCode);
  return { product, plan: product.plans.find((p) => p.code === planCode) };
}

function showPrice() {
  const { product, plan } = chosen();
  const lines = [t("signup.monthly", { amount: euros(plan.monthly_fee_cents) })];
  if (plan.connection_fee_cents) lines.push(t("signup.connection", { amount: euros(plan.connection_fee_cents) }));
  else lines.push(t("signup.no_connection"));
  if (plan.fixed_term_months) lines.push(t("signup.fixed", { n: plan.fixed_term_months }));
  $("price").replaceChildren(element("strong", `${named(product)} – ${named(plan)}`), ...lines.map((l) => element("p", l)));
}

function showPlans() {
  const current = $("plans").value;
  $("plans").replaceChildren(...flow.products.flatMap((p) => p.plans.map((plan) => element("option",
    t("signup.plan_option", { product: named(p), plan: named(plan), amount: euros(plan.monthly_fee_cents) }), { value: `${p.code}/${plan.code}` }))));
  if (current) $("plans").value = current;
  showPrice();
}

// 30-minute windows to choose one from, as radio buttons named `name` (the day first when `withDay`)
function windowChoices(name, windows, withDay = false) {
  return windows.map((w) => {
    const choice = element("label");
    choice.append(element("input", "", { type: "radio", name, value: w.start, required: true }),
      withDay ? `${weekday(w.date)}, ${w.from}–${w.until}` : `${w.from}–${w.until}`);
    return choice;
  });
}

// what the product chosen needs: an engineer's or installer's visit, a delivery, or nothing
function visitKind() {
  const { product } = chosen();
  return (product && product.fulfilment && product.fulfilment.kind) || null;
}

function showDay() {
  const found = flow.days.find((d) => d.date === $("visit-day").value);
  $("visit-windows").replaceChildren(...windowChoices("visit_slot", found ? found.slots : []));
}

const picked = () => ($("visit").querySelector('input[name="visit_slot"]:checked') || {}).value;

// the windows free for the product chosen at the postcode typed: a day, then its half hours (the
// day and the window chosen kept while they are still free)
async function showWindows() {
  const kind = visitKind();
  const postcode = $("apply-form").postcode.value.trim();
  const mine = ++flow.asked;  // an answer to an older question is not shown
  const [shownDay, shownWindow] = [$("visit-day").value, picked()];
  $("visit").hidden = !kind;
  $("visit-windows").replaceChildren();
  say("visit-status", "");
  if (!kind) return;
  $("visit-legend").textContent = t(`order.visit.${kind}`);
  $("visit-day-label").hidden = true;
  if (!postcode) { $("visit-lead").textContent = t("signup.visit_postcode"); return; }
  let offered;
  try {
    offered = await api("GET", `/appointments/slots?${new URLSearchParams({ postcode, kind })}`);
  } catch (error) {
    if (mine === flow.asked) { $("visit-lead").textContent = ""; say("visit-status", errorText(error), false); }
    return;
  }
  if (mine !== flow.asked) return;
  flow.days = offered.days.filter((d) => d.slots.length);
  $("visit-lead").textContent = flow.days.length ? t("order.visit_lead") : t("order.no_windows");
  $("visit-day").replaceChildren(...flow.days.map((d) => element("option", weekday(d.date), { value: d.date })));
  $("visit-day-label").hidden = !flow.days.length;
  if (flow.days.some((d) => d.date === shownDay)) $("visit-day").value = shownDay;
  showDay();
  const again = shownWindow && [...$("visit-windows").querySelectorAll("input")].find((i) => i.value === shownWindow);
  if (again) again.checked = true;
}

function showVisit(signup) {
  const visit = signup.fulfilment;
  $("visit-chosen").hidden = !visit || visit.status === "cancelled";
  if (!visit) return;
  const what = t(`order.awaits.${visit.kind}`);
  $("visit-chosen").textContent = t(visit.status === "planned" ? "signup.visit_planned" : "signup.visit_chosen",
    { what, when: windowText(visit.window) });
}

function show(signup) {
  flow.signup = signup;
  sessionStorage.setItem(CODE, JSON.stringify({ id: signup.signup_id, code: flow.code }));
  $("apply").hidden = true;
  $("progress").hidden = false;
  $("code").textContent = flow.code;
  $("steps").replaceChildren(...signup.steps.map((s) => {
    const li = item(`${t(`signup.step.${s.name}`)}: ${t(`signup.state.${s.status}`)}`);
    if (s.status === "failed" && s.name === "validation") li.append(element("p", t("signup.declined"), { className: "error" }));
    if (s.status === "action_required") li.append(element("p", t("signup.identify_again"), { className: "error" }));
    return li;
  }));
  showVisit(signup);
  $("identify").hidden = !["APPLIED", "IDENTIFYING"].includes(signup.status);
  $("sign").hidden = signup.status !== "VALIDATED";
  $("evidence").hidden = !signup.evidence;
  if (signup.evidence) {
    $("evidence").replaceChildren(element("h2", t("signup.signed")), element("p", t("signup.evidence", {
      date: day(signup.evidence.accepted_at), version: signup.evidence.terms_version })));
  }
  if (["ACTIVE", "VERIFIED"].includes(signup.status)) {
    say("signup-status", t("signup.active", { product: signup.product.name, email: signup.applicant.email }));
    const link = element("a", t("auth.sign_in"), { href: "/", className: "button primary" });
    $("signup-status").after(link);
  }
}

async function refresh() {
  show(await api("GET", `/signups/${flow.signup.signup_id}`, undefined, withCode()));
}

async function start() {
  await loadConfig();
  await load();
  flow.products = (await api("GET", "/products")).items;
  showPlans();
  showWindows();
  flow.terms = await api("GET", "/terms");
  $("terms-text").replaceChildren(...flow.terms.text.split(/\n\n+/).map((part) => element("p", part)));
  const saved = JSON.parse(sessionStorage.getItem(CODE) || "null");
  if (saved) {
    flow.code = saved.code;
    await api("GET", `/signups/${saved.id}`, undefined, withCode()).then(show, () => sessionStorage.removeItem(CODE));
  }
}

$("plans").addEventListener("change", () => { showPrice(); showWindows(); });
$("apply-form").postcode.addEventListener("change", showWindows);
$("visit-day").addEventListener("change", showDay);
$("language").addEventListener("click", async () => {
  await choose(LANGUAGES.find((l) => l !== currentLanguage()));
  showPlans();
  await showWindows();
  if (flow.signup) show(flow.signup);
});

$("apply-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const f = event.target;
  const phone = phoneNumber(f.phone.value);
  if (!phone) { say("apply-status", t("errors.phone_format"), false); f.phone.focus(); return; }
  const { product, plan } = chosen();
  const slot = picked();
  if (visitKind() && !slot) { say("apply-status", t("appointments.pick_one"), false); $("visit").scrollIntoView(); return; }
  attempt("apply-status", async () => {
    const body = {
      applicant: { given_name: f.given_name.value.trim(), family_name: f.family_name.value.trim(), birth_date: f.birth_date.value,
        email: f.email.value.trim(), phone, monthly_income_cents: Math.round(Number(f.income.value)) * 100,
        address: { street: f.street.value.trim(), house_number: Number(f.house_number.value), postcode: f.postcode.value.trim(),
          city: f.city.value.trim() } },
      product_code: product.code, plan_code: plan.code, privacy_statement_accepted: f.privacy.checked,
    };
    if (slot) body.slot = slot;
    let signup;
    try {
      signup = await api("POST", "/signups", body, { "Idempotency-Key": crypto.randomUUID() });
    } catch (error) {
      if (error.reason === "slot_taken") await showWindows();  // what is free now
      throw error;
    }
    flow.code = signup.resume_code;
    show(signup);
    $("progress").querySelector("h1").focus();
  });
});

$("resume-form").addEventListener("submit", (event) => {
  event.preventDefault();
  flow.code = event.target.code.value.trim();
  attempt("apply-status", async () => show(await api("POST", "/signups/resume", { resume_code: flow.code })));
});

$("identify-button").addEventListener("click", () => attempt("signup-status", async () => {
  const started = await api("POST", `/signups/${flow.signup.signup_id}/identification`, undefined, withCode());
  window.open(started.identification.url, "_blank", "noopener");
  show(started);
  say("signup-status", t("signup.waiting"));
  for (let i = 0; i < 120 && flow.signup.status === "IDENTIFYING"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await refresh();
  }
  say("signup-status", "");
}));

$("send-code").addEventListener("click", () => attempt("code-hint", async () => {
  const sent = await api("POST", `/signups/${flow.signup.signup_id}/signature-code`, undefined, withCode());
  say("code-hint", t("signup.code_sent", { to: sent.sent_to }));
}));

$("sign-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt("signup-status", async () => {
    const body = { code: event.target.code.value.trim(), terms_version: flow.terms.version,
      terms_sha256: flow.terms.sha256, accept_terms: event.target.accept.checked };
    // where the window chosen filled before signing: one of the next free ones, signed for instead
    const instead = $("other-window").querySelector("input:checked");
    if (instead) body.slot = instead.value;
    let signed;
    try {
      signed = await api("POST", `/signups/${flow.signup.signup_id}/signature`, body, withCode());
    } catch (error) {
      if (error.reason !== "slot_taken") throw error;
      $("other-window").replaceChildren(element("legend", t("order.pick_other")),
        ...windowChoices("other_slot", error.params.next_free, true));
      $("other-window").hidden = false;
      throw error;
    }
    $("other-window").hidden = true;
    show(signed);
  });
});

start().catch(() => say("apply-status", t("errors.error"), false));
