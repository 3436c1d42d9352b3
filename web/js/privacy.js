// Privacy: the customer's page (a copy of their data, erasure, who read their record) and the
// privacy officer's desk. Each part is its own module that adds itself here, in the order the
// page shows them; the others still show when one fails, and the failure is told at the top.

import { $, element } from "./dom.js";

const customerParts = [];
const deskParts = [];

// `render(container)` fills a part of the customer's privacy page
export function customerPart(render) {
  customerParts.push(render);
}

// `render(container)` fills a part of the privacy officer's desk
export function deskPart(render) {
  deskParts.push(render);
}

async function showParts(parts, holder) {
  const containers = parts.map(() => element("div", "", { className: "privacy-part" }));
  $(holder).replaceChildren(...containers);
  const failed = (await Promise.allSettled(parts.map((render, i) => render(containers[i]))))
    .find((outcome) => outcome.status === "rejected");
  if (failed) throw failed.reason;
}

export const showPrivacy = () => showParts(customerParts, "privacy-parts");
export const showPrivacyDesk = () => showParts(deskParts, "privacy-desk-parts");
