// Why a member of staff reads a customer's data: every staff read is on record with it (the customer
// sees it, the privacy officer checks it). The contact they are working on for that customer (taken
// from the queue) says it by itself; without one, the reason they typed at the desk.

import { $ } from "./dom.js";
import { carry, state } from "./session.js";

const REASON = "opencounter.access-reason";
const FINDING = ["/agent/customers/search", "/agent/requests/resume"];

const reading = (method, path) => path.startsWith("/agent/") && (method === "GET" || FINDING.includes(path.split("?")[0]));

// the newest contact taken of the customer the read names, or of anyone for a search (the caller
// in hand is who is looked for); a contact, a dispute or a sign-up read from its own route is itself
// what is being handled
function contactFor(path) {
  const named = /^\/agent\/customers\/([^/?]+)/.exec(path);
  if (!named && !FINDING.includes(path.split("?")[0])) return null;
  const working = [...state.working.values()].filter((c) => !named || c.customer_id === decodeURIComponent(named[1]));
  return working.length ? working[working.length - 1].contact_id : null;
}

carry((method, path) => {
  if (!reading(method, path)) return {};
  const contact = contactFor(path);
  if (contact) return { "X-Contact-Id": contact };
  if (/^\/agent\/(contacts\/|disputes|signups\/|queue)/.test(path)) return {};
  const reason = (sessionStorage.getItem(REASON) || "").trim();
  return reason ? { "X-Access-Reason": encodeURIComponent(reason) } : {};
});

const field = $("search-form").elements.reason;
field.value = sessionStorage.getItem(REASON) || "";
field.addEventListener("input", () => sessionStorage.setItem(REASON, field.value));
