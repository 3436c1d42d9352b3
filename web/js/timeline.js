// The timeline of the record that is open: everything that happened, newest first, paged.

import { $, item } from "./dom.js";
import { api, state } from "./session.js";

export async function loadTimeline(more) {
  const query = more && state.cursor ? `?cursor=${encodeURIComponent(state.cursor)}` : "";
  const page = await api("GET", `${state.base}/timeline${query}`);
  const entries = page.items.map((e) => item(`${e.occurred_at.slice(0, 16).replace("T", " ")} · ${e.title} · ${e.channel}`));
  if (more) $("timeline").append(...entries); else $("timeline").replaceChildren(...entries);
  state.cursor = page.next_cursor;
  $("more").hidden = !state.cursor;
}

// a change reaches the timeline through the event bus, a moment after the change itself
export function refreshTimelineSoon() {
  for (const delay of [400, 1500]) setTimeout(() => loadTimeline(false).catch(() => {}), delay);
}

$("more").addEventListener("click", () => loadTimeline(true));
