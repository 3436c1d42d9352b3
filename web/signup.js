// Online sign-up: apply, identify, sign; the product is active at once. Plain page on the public API.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { signup: null, code: sessionStorage.getItem("resume_code"), id: sessionStorage.getItem("signup_id"), terms: null };

async function call(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method, headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || response.statusText);
  return data;
}

const withCode = () => ({ "Resume-Code": state.code });

function say(text, ok) {
  $("message").textContent = text;
  $("message").className = ok ? "ok" : "error";
}

function show(signup) {
  state.signup = signup;
  state.id = signup.signup_id;
  sessionStorage.setItem("signup_id", state.id);
  sessionStorage.setItem("resume_code", state.code);
  $("apply").hidden = true;
  $("progress").hidden = false;
  $("code").textContent = state.code;
  $("steps").replaceChildren(...signup.steps.map((s) => {
    const li = document.createElement("li");
    li.textContent = `${s.name}: ${s.status}${s.reasons ? " – " + s.reasons.join("; ") : ""}${s.reason ? " – " + s.reason : ""}`;
    return li;
  }));
  $("identify").hidden = !["APPLIED", "IDENTIFYING"].includes(signup.status);
  $("sign").hidden = signup.status !== "VALIDATED";
  $("evidence").hidden = !signup.evidence;
  if (signup.evidence) $("evidence-text").textContent = JSON.stringify(signup.evidence, null, 2);
  if (signup.status === "ACTIVE" || signup.status === "VERIFIED") {
    say(`Your ${signup.product.name} is active. We e-mailed you your login (locally: /local/mailbox?to=${signup.applicant.email}).`, true);
  }
}

async function refresh() {
  show(await call("GET", `/signups/${state.id}`, undefined, withCode()));
}

async function start() {
  const products = (await call("GET", "/products")).items;
  $("plans").replaceChildren(...products.flatMap((p) => p.plans.map((plan) => {
    const option = document.createElement("option");
    option.value = `${p.code}/${plan.code}`;
    option.textContent = `${p.name} – ${plan.name} – €${(plan.monthly_fee_cents / 100).toFixed(2)} a month`;
    return option;
  })));
  $("apply-form").email.value = `eva-${Math.random().toString(36).slice(2, 8)}@example.nl`;
  state.terms = await call("GET", "/terms");
  $("terms-version").textContent = `version ${state.terms.version}, fingerprint ${state.terms.sha256.slice(0, 12)}…`;
  $("terms-text").textContent = state.terms.text;
  if (state.id && state.code) await refresh().catch(() => sessionStorage.clear());
}

$("apply-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.target;
  const [product, plan] = f.plan.value.split("/");
  try {
    const signup = await call("POST", "/signups", {
      applicant: { given_name: f.given_name.value, family_name: f.family_name.value, birth_date: f.birth_date.value,
        email: f.email.value, phone: f.phone.value, monthly_income_cents: Math.round(Number(f.income.value) * 100),
        address: { street: f.street.value, house_number: Number(f.house_number.value), postcode: f.postcode.value, city: f.city.value } },
      product_code: product, plan_code: plan, privacy_statement_accepted: f.privacy.checked,
    }, { "Idempotency-Key": crypto.randomUUID() });
    state.code = signup.resume_code;
    show(signup);
  } catch (error) { alert(error.message); }
});

$("resume").addEventListener("click", async () => {
  try {
    state.code = $("resume-code").value;
    show(await call("POST", "/signups/resume", { resume_code: state.code }));
  } catch (error) { alert(error.message); }
});

$("identify-button").addEventListener("click", async () => {
  const started = await call("POST", `/signups/${state.id}/identification`, undefined, withCode());
  window.open(started.identification.url, "_blank");
  show(started);
  say("Waiting for the identity check…", true);
  for (let i = 0; i < 120 && ["IDENTIFYING"].includes(state.signup.status); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    await refresh();
  }
});

$("send-code").addEventListener("click", async () => {
  try {
    const sent = await call("POST", `/signups/${state.id}/signature-code`, undefined, withCode());
    $("code-hint").textContent = `Sent to ${sent.sent_to}. Locally, read it at /local/mailbox?to=${encodeURIComponent(state.signup.applicant.email)}`;
  } catch (error) { say(error.message, false); }
});

$("sign-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    show(await call("POST", `/signups/${state.id}/signature`, {
      code: event.target.code.value, terms_version: state.terms.version, terms_sha256: state.terms.sha256,
      accept_terms: event.target.accept.checked,
    }, withCode()));
  } catch (error) { say(error.message, false); }
});

start().catch((error) => say(error.message, false));
