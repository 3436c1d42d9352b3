// The customer portal and the staff desk: plain pages on the same API every channel uses.
"use strict";

const state = { token: sessionStorage.getItem("token"), claims: null, base: "/me", record: null, cursor: null };
const $ = (id) => document.getElementById(id);

function claimsOf(token) {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part));
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: state.token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(data.message || response.statusText), { status: response.status });
  return data;
}

function say(text, ok) {
  $("message").textContent = text;
  $("message").className = ok ? "ok" : "error";
}

function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

function addressLine(a) {
  return `${a.street} ${a.house_number}${a.house_number_addition ? " " + a.house_number_addition : ""}, ${a.postcode} ${a.city}`;
}

function showRecord(record) {
  state.record = record;
  const p = record.personal;
  $("record-title").textContent = state.base === "/me" ? "My details" : `${p.given_name} ${p.family_name}`;
  $("personal").innerHTML = "";
  for (const [label, value] of [["Name", `${p.given_name} ${p.family_name}`], ["Born", p.birth_date],
    ["E-mail", record.contact.email], ["Phone", record.contact.phone || "-"], ["Segment", record.segment]]) {
    $("personal").append(Object.assign(document.createElement("dt"), { textContent: label }),
      Object.assign(document.createElement("dd"), { textContent: value }));
  }
  $("address").textContent = record.address ? addressLine(record.address) : "-";
  $("upcoming").textContent = record.upcoming_moves.map((m) => `Moving to ${addressLine(m)} on ${m.effective_from}`).join("; ");
  $("products").replaceChildren(...record.products.map((x) => item(`${x.name} – ${x.plan} (${x.status})`)));
  $("consents").replaceChildren(...record.consents.map((c) => item(`${c.channel} / ${c.purpose}: ${c.granted ? "yes" : "no"}`)));
  const form = $("change-form");
  form.email.value = record.contact.email;
  form.phone.value = record.contact.phone || "";
  form.language.value = record.settings.language;
  form.preferred_channel.value = record.settings.preferred_channel;
  form.paperless_invoices.checked = record.settings.paperless_invoices;
}

async function loadTimeline(more) {
  const query = more && state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : "";
  const page = await api("GET", `${state.base}/timeline${query}`);
  const entries = page.items.map((e) => item(`${e.occurred_at.slice(0, 16).replace("T", " ")} · ${e.title} · ${e.channel}`));
  if (more) $("timeline").append(...entries); else $("timeline").replaceChildren(...entries);
  state.cursor = page.next_cursor;
  $("more").hidden = !state.cursor;
}

async function open(base) {
  state.base = base;
  $("record").hidden = false;
  showRecord(await api("GET", base));
  await loadTimeline(false);
}

async function start() {
  if (!state.token) return;
  state.claims = claimsOf(state.token);
  const groups = [].concat(state.claims["cognito:groups"] || []);
  $("who").textContent = `${state.claims["cognito:username"]} (${groups.join(", ")})`;
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  if (groups.includes("customers")) await open("/me");
  else $("desk").hidden = false;
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const response = await fetch("/local/auth/sign-in", {
    method: "POST", body: JSON.stringify({ username: form.username.value, password: form.password.value }),
  });
  let data = await response.json();
  if (!response.ok) { alert(data.message); return; }
  if (data.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    // first sign-in with the invitation's temporary password: choose your own
    const chosen = prompt("Choose your password (at least 12 characters, upper and lower case, a digit)");
    if (!chosen) return;
    const answer = await fetch("/local/auth/respond-to-challenge", {
      method: "POST", body: JSON.stringify({ ChallengeName: data.ChallengeName, Session: data.Session,
        ChallengeResponses: { USERNAME: form.username.value, NEW_PASSWORD: chosen } }),
    });
    data = await answer.json();
    if (!answer.ok) { alert(data.message); return; }
  }
  state.token = data.AuthenticationResult.IdToken;
  sessionStorage.setItem("token", state.token);
  await start();
});

$("sign-out").addEventListener("click", () => { sessionStorage.removeItem("token"); location.reload(); });

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const found = await api("GET", `/agent/customers?email=${encodeURIComponent(event.target.email.value)}`);
  $("search-results").replaceChildren(...found.items.map((c) => {
    const li = item(`${c.name} <${c.email}> `);
    const button = Object.assign(document.createElement("button"), { textContent: "Open" });
    button.addEventListener("click", () => open(`/agent/customers/${c.customer_id}`));
    li.append(button);
    return li;
  }));
});

$("change-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const contact = { email: form.email.value };
  if (form.phone.value) contact.phone = form.phone.value;
  try {
    showRecord(await api("PATCH", state.base, {
      version: state.record.version, contact,
      settings: { language: form.language.value, preferred_channel: form.preferred_channel.value,
        paperless_invoices: form.paperless_invoices.checked },
    }));
    say("Saved: in effect now, on every channel.", true);
    refreshTimelineSoon();
  } catch (error) {
    say(error.status === 409 ? "Someone changed these details meanwhile; they are reloaded, please try again." : error.message, false);
    if (error.status === 409) showRecord(await api("GET", state.base));
  }
});

$("move-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const move = { street: form.street.value, house_number: Number(form.house_number.value),
    postcode: form.postcode.value, city: form.city.value, move_date: form.move_date.value };
  if (form.house_number_addition.value) move.house_number_addition = form.house_number_addition.value;
  try {
    await api("POST", `${state.base}/moves`, move);
    say("Move registered.", true);
    showRecord(await api("GET", state.base));
    refreshTimelineSoon();
  } catch (error) { say(error.message, false); }
});

// a change reaches the timeline through the event bus, a moment after the change itself
function refreshTimelineSoon() {
  for (const delay of [400, 1500]) setTimeout(() => loadTimeline(false).catch(() => {}), delay);
}

$("more").addEventListener("click", () => loadTimeline(true));
start().catch((error) => { sessionStorage.removeItem("token"); say(error.message, false); });
