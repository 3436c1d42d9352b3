// The portal's shell offline: pages, styles, scripts, messages and icons come from the cache
// when the network is away, and are refreshed from it when it is there. The API and the sign-in
// are never cached: what a customer sees of their record is always live.
const SHELL = "opencounter-shell-v26";
const FILES = ["/", "/index.html", "/signup.html", "/app.css", "/manifest.webmanifest", "/i18n/nl.json",
  "/i18n/en.json", "/icons/icon.svg", "/icons/icon-192.png", "/js/main.js", "/js/appointments.js", "/js/auth.js",
  "/js/catalogue.js", "/js/complaints.js", "/js/charts.js", "/js/chat.js", "/js/contacts.js", "/js/data-export.js", "/js/desk.js",
  "/js/disputes.js", "/js/dom.js", "/js/erasure.js", "/js/errors.js", "/js/evidence.js", "/js/format.js",
  "/js/history.js", "/js/i18n.js", "/js/messages.js", "/js/invoices.js", "/js/mailings.js", "/js/orders.js", "/js/outages.js",
  "/js/overview.js", "/js/privacy.js", "/js/products.js", "/js/requests.js", "/js/review.js", "/js/router.js",
  "/js/service.js", "/js/session.js", "/js/settings.js", "/js/usage.js", "/js/signup.js",
  "/js/access-log.js", "/js/privacy-desk.js", "/js/why.js", "/js/reminders.js",
  "/js/feedback.js", "/js/ideas.js", "/js/ideas-desk.js", "/js/voice.js", "/js/quotes.js", "/js/callbacks.js",
  "/js/direct-debit.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const shell = event.request.method === "GET" && url.origin === location.origin && FILES.includes(url.pathname);
  if (!shell) return;  // the API, config.json, the sign-in: always the network
  event.respondWith(fetch(event.request).then((response) => {
    const copy = response.clone();
    caches.open(SHELL).then((cache) => cache.put(event.request, copy));
    return response;
  }).catch(() => caches.match(event.request)));
});
