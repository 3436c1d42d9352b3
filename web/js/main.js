// The customer portal and the staff desk: plain pages on the same API every channel uses. This
// module signs in and out and opens a record; each part of the page is a module of its own.

import { loadContacts } from "./contacts.js";
import { loadQueue, show360 } from "./desk.js";
import { $, say } from "./dom.js";
import { afterPayment, loadInvoices } from "./invoices.js";
import { catalogue } from "./products.js";
import { showRecord } from "./record.js";
import { loadRequests } from "./requests.js";
import { loadService } from "./service.js";
import { OPEN_CUSTOMER, api, claimsOf, state } from "./session.js";
import { loadTimeline } from "./timeline.js";
import { loadUsage } from "./usage.js";

async function open(base) {
  state.base = base;
  $("record").hidden = false;
  $("invoice").hidden = true;
  for (const mine of document.querySelectorAll(".mine")) mine.hidden = base !== "/me";
  for (const staff of document.querySelectorAll(".staff")) staff.hidden = base === "/me";
  await catalogue().catch(() => {});  // plan names; the record shows without them
  const record = await api("GET", base);
  showRecord(record);
  if (base !== "/me") show360(record);  // staff: the 360-degree view
  const problem = (where) => (error) => say(error.message, false, where);
  await Promise.all([loadTimeline(false), base === "/me" && loadInvoices().catch(problem("invoice-message")),
    base === "/me" && loadUsage().catch(problem("usage-message")), base === "/me" && loadContacts().catch(problem("contacts-message")),
    base === "/me" && loadRequests().catch(problem("request-message"))]);
}

document.addEventListener(OPEN_CUSTOMER, ({ detail }) => open(detail.base).then(detail.resolve, detail.reject));

async function start() {
  if (!state.token) return loadService();
  state.claims = claimsOf(state.token);
  const groups = [].concat(state.claims["cognito:groups"] || []);
  $("who").textContent = `${state.claims["cognito:username"]} (${groups.join(", ")})`;
  $("sign-in").hidden = true;
  $("sign-out").hidden = false;
  if (groups.includes("customers")) {
    await open("/me");
    await afterPayment().catch((error) => say(error.message, false, "invoice-message"));
  } else {
    $("desk").hidden = $("queue").hidden = false;
    await loadQueue().catch((error) => say(error.message, false, "queue-message"));
  }
  await loadService();
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

start().catch((error) => { sessionStorage.removeItem("token"); say(error.message, false); });
