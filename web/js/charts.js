// Charts for what people would rather see than read: use against a bundle, waits per channel.
// Plain elements sized through the CSSOM (allowed by a strict CSP, unlike style attributes); the
// numbers are always in the text too, for screen readers and for anyone who wants them.

import { element } from "./dom.js";

// one bar: `share` 0..1 of the track (more than 1 shows as full, marked over)
export function bar(label, value, share, { over = false, note = "" } = {}) {
  const row = element("div", "", { className: "bar-row" });
  const track = element("div", "", { className: "bar-track" });
  const fill = element("div", "", { className: `bar-fill${over || share > 1 ? " over" : ""}` });
  fill.style.inlineSize = `${Math.max(0, Math.min(1, share)) * 100}%`;
  track.append(fill);
  track.setAttribute("aria-hidden", "true");
  row.append(element("span", label, { className: "bar-label" }), track,
    element("span", value, { className: "bar-value" }));
  if (note) row.append(element("span", note, { className: "bar-note" }));
  return row;
}

// bars on one scale: rows of {label, value (text), amount (number)}; the longest fills the track
export function scale(rows) {
  const most = Math.max(1, ...rows.map((r) => r.amount || 0));
  const chart = element("div", "", { className: "chart" });
  chart.append(...rows.map((r) => bar(r.label, r.value, (r.amount || 0) / most, r)));
  return chart;
}
