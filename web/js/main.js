// The portal and the counter desk: one page, its parts as modules, its pages by address. This
// module starts it: the deployment's configuration, the language, the sign-in coming back, and
// which pages the signed-in person may open.

import { showAppointments } from "./appointments.js";
import { showCallbacks } from "./callbacks.js";
import { completeSignIn, signIn, signOut } from "./auth.js";
import { showComplaint, showComplaints, showStaffComplaints } from "./complaints.js";
import { showChat } from "./chat.js";
import { showCustomer, showQueue } from "./desk.js";
import { showDispute, showDisputes, showStaffDispute, showStaffDisputes } from "./disputes.js";
import { $, attempt, say } from "./dom.js";
import { showHistory } from "./history.js";
import { LANGUAGES, choose, currentLanguage, load, t } from "./i18n.js";
import { showStaffIdea, showStaffIdeas } from "./ideas-desk.js";
import { showIdea, showIdeas } from "./ideas.js";
import { returnedMandate } from "./direct-debit.js";
import { afterPayment, returnedPayment, showInvoice, showInvoices } from "./invoices.js";
import { showMailings } from "./mailings.js";
import { showIncidents, showOutageBanner } from "./outages.js";
import { showOverview } from "./overview.js";
import { showPrivacy, showPrivacyDesk } from "./privacy.js";
// parts of the privacy page and the privacy officer's desk, each adding itself, in the order they show
import "./access-log.js";
import "./erasure.js";
import "./data-export.js";
import "./privacy-desk.js";
import { showProducts } from "./products.js";
import { showRequests } from "./requests.js";
import { showStaffSignup, showStaffSignups } from "./review.js";
import { route, setFallback, show } from "./router.js";
import { showService } from "./service.js";
import { api, groups, isStaff, loadConfig, restore, state } from "./session.js";
import { showSettings } from "./settings.js";
import { showUsage } from "./usage.js";
import { showVoice } from "./voice.js";
// why staff read: every staff read says it by itself
import "./why.js";

const customer = () => groups().includes("customers");
const staff = () => isStaff();
const privacyOfficer = () => groups().includes("privacy");
const anyone = () => true;

// a page's content, its failure told in words at the top of the page
function page(render) {
  return (params) => attempt("flash", () => render(params)).then(() => undefined);
}

route("/", "welcome", async () => {}, () => !state.token);
route("/", "overview", page(showOverview), customer);
route("/products", "products", page(showProducts), customer);
route("/appointments", "appointments", page(showAppointments), customer);
route("/usage", "usage", page(() => showUsage()), customer);
route("/invoices", "invoices", page(showInvoices), customer);
route("/invoices/:id", "invoice", page(({ id }) => showInvoice(id)), customer);
route("/contact", "contact", page(() => Promise.all([showOutageBanner(), showCallbacks()])), customer);
route("/contact/:id", "chat", page(({ id }) => showChat(id)), customer);
route("/requests", "requests", page(showRequests), customer);
route("/complaints", "complaints", page(showComplaints), customer);
route("/complaints/:id", "complaint", page(({ id }) => showComplaint(id)), customer);
route("/disputes", "disputes", page(showDisputes), customer);
route("/disputes/:id", "dispute", page(({ id }) => showDispute(id)), customer);
route("/history", "history", page(showHistory), customer);
route("/settings", "settings", page(showSettings), customer);
route("/privacy", "privacy", page(showPrivacy), customer);
route("/service", "service", page(showService), anyone);
route("/privacy-desk", "privacy-desk", page(showPrivacyDesk), privacyOfficer);
route("/", "desk", async () => {}, staff);
route("/desk", "desk", async () => {}, staff);
route("/queue", "queue", page(showQueue), staff);
route("/customers/:id", "customer", page(({ id }) => showCustomer(id)), staff);
route("/disputes-desk", "staff-disputes", page(showStaffDisputes), staff);
route("/complaints-desk", "staff-complaints", page(showStaffComplaints), staff);
route("/disputes-desk/:id", "staff-dispute", page(({ id }) => showStaffDispute(id)), staff);
route("/mailings", "mailings", page(showMailings), staff);
route("/incidents", "incidents", page(showIncidents), staff);
route("/signups-desk", "staff-signups", page(showStaffSignups), staff);
route("/signups-desk/:id", "staff-signup", page(({ id }) => showStaffSignup(id)), staff);
route("/customers/:customer/invoices/:id", "invoice",
  page(({ customer: id, id: invoice }) => showInvoice(invoice, `/agent/customers/${id}`)), staff);
// ideas, and the voice of the customer
route("/ideas", "ideas", page(showIdeas), customer);
route("/ideas/:id", "idea", page(({ id }) => showIdea(id)), customer);
route("/ideas-desk", "staff-ideas", page(showStaffIdeas), staff);
route("/ideas-desk/:id", "staff-idea", page(({ id }) => showStaffIdea(id)), staff);
route("/voice", "voice", page(showVoice), staff);

function showRole() {
  $("nav-customer").hidden = !(state.token && customer());
  $("nav-staff").hidden = !(state.token && staff());
  $("nav-privacy").hidden = !(state.token && privacyOfficer());
  $("sign-in").hidden = Boolean(state.token);
  $("sign-out").hidden = !state.token;
  $("who").textContent = state.token ? state.claims.email || "" : "";
}

async function start() {
  await loadConfig();
  await load();
  let returnTo = null;
  try {
    returnTo = await completeSignIn();
  } catch {
    say("flash", t("auth.failed"), false);
  }
  restore();
  if (state.token && customer()) {
    // the customer's own language, as their record holds it
    const record = await api("GET", "/me").catch(() => null);
    if (record && record.settings.language !== currentLanguage()) await choose(record.settings.language);
  }
  showRole();
  showOutageBanner().catch(() => {});  // beside the page, not before it
  $("local-hint").hidden = !state.config.local;
  $("local-hint").textContent = state.config.local ? t("app.local_hint") : "";
  setFallback("#/");
  if (returnTo !== null && returnTo !== location.hash) location.hash = returnTo || "#/";
  const payment = returnedPayment();
  returnedMandate();
  await show();
  if (payment) await afterPayment(payment).catch(() => {});
}

$("menu-toggle").addEventListener("click", () => {
  const open = $("nav").classList.toggle("open");
  $("menu-toggle").setAttribute("aria-expanded", String(open));
});
$("language").addEventListener("click", async () => {
  await choose(LANGUAGES.find((l) => l !== currentLanguage()));
  showRole();
  await show();
});
for (const id of ["sign-in", "welcome-sign-in"]) $(id).addEventListener("click", () => signIn());
$("sign-out").addEventListener("click", () => signOut());

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/service-worker.js").catch(() => {});

start().catch(() => say("flash", t("errors.error"), false));
