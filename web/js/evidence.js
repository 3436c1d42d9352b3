// Evidence for a dispute: the customer picks a photo or a document, the portal asks where it may go,
// sends it straight to the store, has it checked, and lists every file with what became of it (a
// refused one says why). Staff and the customer download an accepted file through a short-lived link.

import { attempt, element, emptyNote, labelled, say, status } from "./dom.js";
import { errorText } from "./errors.js";
import { number } from "./format.js";
import { t } from "./i18n.js";
import { api, ApiError } from "./session.js";

// the types a file may be (its extension where the device does not say), and what it may weigh
const TYPES = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" };
const KINDS = { "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG" };
const MOST_BYTES = 10 * 1024 * 1024;

const typeOf = (file) => (Object.values(TYPES).includes(file.type) ? file.type
  : TYPES[(file.name.split(".").pop() || "").toLowerCase()] || null);

function size(bytes) {
  return bytes >= 1024 * 1024 ? t("disputes.evidence.mb", { n: number(bytes / (1024 * 1024), 1) })
    : t("disputes.evidence.kb", { n: number(Math.max(1, Math.round(bytes / 1024))) });
}

// one file: picked, asked for, uploaded, checked. The file's entry as checked, or an ApiError
async function send(disputeId, file) {
  const path = `/me/disputes/${encodeURIComponent(disputeId)}/evidence`;
  const asked = await api("POST", path, { file_name: file.name, content_type: typeOf(file), size_bytes: file.size });
  const form = new FormData();
  for (const [name, value] of Object.entries(asked.upload.fields)) form.append(name, value);
  form.append("file", file);
  let sent;
  try {
    sent = await fetch(asked.upload.url, { method: "POST", body: form });
  } catch {
    sent = { ok: false };
  }
  if (!sent.ok) throw new ApiError(0, { code: "error", reason: "evidence_upload_failed" });
  return api("POST", `${path}/${encodeURIComponent(asked.evidence.evidence_id)}/check`);
}

// what is wrong with a file before anything is sent, in words; or null
export function problem(file) {
  if (!typeOf(file)) return t("disputes.evidence.wrong_type", { name: file.name });
  if (file.size > MOST_BYTES) return t("disputes.evidence.too_big", { name: file.name });
  if (!file.size) return t("disputes.evidence.empty", { name: file.name });
  return null;
}

// send `files` one by one, telling each outcome in `where`; true when every one was accepted
export async function sendEvidence(disputeId, files, where) {
  let all = true;
  for (const file of files) {
    const wrong = problem(file);
    if (wrong) {
      say(where, wrong, false);
      all = false;
      continue;
    }
    say(where, t("disputes.evidence.sending", { name: file.name }));
    try {
      await send(disputeId, file);
      say(where, t("disputes.evidence.received", { name: file.name }));
    } catch (error) {
      const text = error.reason === "evidence_upload_failed" ? t("disputes.evidence.upload_failed", { name: file.name })
        : errorText(error);
      say(where, text, false);
      all = false;
    }
  }
  return all;
}

// the files sent, each with its state; `link` (evidence id -> path of its download link) adds a link
export function evidenceList(files, link) {
  const list = element("ul", "", { className: "rows plain evidence" });
  list.append(...files.map((f) => {
    const row = element("li", "", { className: "row" });
    row.dataset.evidence = f.evidence_id;
    row.append(element("span", f.name, { className: "name" }),
      element("span", `${KINDS[f.content_type]} · ${size(f.size_bytes)}`, { className: "hint" }),
      element("span", t(`disputes.evidence.status.${f.status}`), { className: `badge ${f.status === "refused" ? "warn" : f.status === "accepted" ? "paid" : ""}` }));
    if (f.round === 2) row.append(element("span", t("disputes.evidence.with_appeal"), { className: "hint" }));
    if (f.refusal) row.append(element("span", t(`disputes.evidence.refusal.${f.refusal}`), { className: "hint error" }));
    if (f.status === "accepted" && link) row.append(downloadLink(f, link(f.evidence_id)));
    return row;
  }));
  return list;
}

// a link that asks for a fresh download link when used: the file is saved under its own name
function downloadLink(file, path) {
  const a = element("a", t("disputes.evidence.download"), { href: "#", className: "download" });
  a.setAttribute("aria-label", t("disputes.evidence.download_named", { name: file.name }));
  const said = status();
  a.addEventListener("click", (event) => {
    event.preventDefault();
    attempt(said, async () => {
      const answer = await api("GET", path);
      window.location.assign(answer.url);
    });
  });
  const wrap = element("span");
  wrap.append(a, said);
  return wrap;
}

// the file input: "Add evidence", with what it takes
export function evidenceInput() {
  const input = element("input", "", { type: "file", name: "evidence", multiple: true,
    accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" });
  return labelled(t("disputes.evidence.add"), input, t("disputes.evidence.hint"));
}

// the evidence part of an open dispute's page (or of its appeal): the list, and the input that
// sends a file as soon as it is picked; `refresh` reads the dispute again
export function evidenceSection(d, refresh, { open }) {
  const section = element("section", "", { className: "evidence-part" });
  section.setAttribute("aria-labelledby", "evidence-title");
  const title = element("h2", t("disputes.evidence.title"), { id: "evidence-title" });
  const list = evidenceList(d.evidence || [], (id) => `/me/disputes/${encodeURIComponent(d.dispute_id)}/evidence/${encodeURIComponent(id)}`);
  emptyNote(list, t("disputes.evidence.none"));
  section.append(title, list);
  if (!open) return section;
  const said = status();
  said.id = "evidence-status";
  const field = evidenceInput();
  const input = field.querySelector("input");
  input.addEventListener("change", async () => {
    const files = [...input.files];
    if (!files.length) return;
    input.disabled = true;
    await sendEvidence(d.dispute_id, files, said);
    input.value = "";
    input.disabled = false;
    const fresh = await refresh();
    if (fresh) {
      const again = evidenceList(fresh.evidence || [], (id) => `/me/disputes/${encodeURIComponent(d.dispute_id)}/evidence/${encodeURIComponent(id)}`);
      emptyNote(again, t("disputes.evidence.none"));
      section.querySelector("ul.evidence").replaceWith(again);
    }
  });
  section.append(field, said);
  return section;
}
