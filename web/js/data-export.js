// "Download all your data", a part of the privacy page: the customer asks for a copy of everything
// we hold about them (one JSON file), sees it being made, ready until a day or no longer kept, and
// downloads it through a link that works minutes, asked for only when they click.

import { attempt, button, element, say, status } from "./dom.js";
import { at } from "./format.js";
import { t } from "./i18n.js";
import { customerPart } from "./privacy.js";
import { api } from "./session.js";

// while a copy is being made, look again this often, this many times (it takes about a minute)
const LOOK_AGAIN_MS = 5000;
const LOOKS = 36;

const latestExport = async () => (await api("GET", "/me/data-requests")).items.find((r) => r.kind === "export");

// what the customer reads about their latest copy, and what they can do with it
function stateOf(request) {
  if (!request) return { text: "", ask: true };
  const { status: state, available_until: until } = request.download;
  if (state === "preparing") return { text: t("data_export.preparing", { date: at(request.received_at) }) };
  if (state === "ready") return { text: t("data_export.ready", { until: at(until) }), download: true };
  if (state === "expired") return { text: t("data_export.expired", { until: at(until) }), ask: true };
  return { text: t("data_export.refused", { date: at(request.received_at) }), ask: true };
}

function render(container, request, looks = 0) {
  const title = element("h2", t("data_export.title"), { id: "data-export-title" });
  const lead = element("p", t("data_export.lead"));
  const kept = element("p", t("data_export.kept"), { className: "hint" });
  const state = element("p", "", { id: "data-export-state" });
  const said = status();
  said.id = "data-export-status";
  const actions = element("div", "", { className: "actions" });
  const shown = stateOf(request);
  state.textContent = shown.text;
  state.hidden = !shown.text;
  if (shown.ask) {
    actions.append(button(t("data_export.ask"), () => attempt(said, async () => {
      const asked = await api("POST", "/me/data-requests/export");
      render(container, asked);
      say(container.querySelector("#data-export-status"), t("data_export.asked"));
    }), { className: "primary", id: "data-export-ask" }));
  }
  if (shown.download) {
    actions.append(button(t("data_export.download"), () => attempt(said, async () => {
      const link = await api("GET", `/me/data-requests/${encodeURIComponent(request.request_id)}/download`);
      say(said, t("data_export.downloading"));
      window.location.assign(link.url);
    }), { className: "primary", id: "data-export-download" }));
  }
  const section = element("section", "", { className: "data-export" });
  section.setAttribute("aria-labelledby", "data-export-title");
  section.append(title, lead, kept, state, actions, said);
  container.replaceChildren(section);
  if (request && request.download.status === "preparing" && looks < LOOKS) {
    setTimeout(async () => {
      if (!container.isConnected) return;
      const again = await latestExport().catch(() => request);
      if (container.isConnected) render(container, again, looks + 1);
    }, LOOK_AGAIN_MS);
  }
}

customerPart(async (container) => {
  render(container, await latestExport());
});
