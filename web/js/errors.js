// An error as a customer reads it: the sentence the catalogue holds for its reason, filled in
// with its params (amounts and dates formatted), else one for its kind. Never the API's English.

import { day, euros } from "./format.js";
import { has, t } from "./i18n.js";

function readable(params) {
  const out = {};
  for (const [name, value] of Object.entries(params || {})) {
    if (name.endsWith("_cents")) out[name.slice(0, -6)] = euros(value);
    else if (/^\d{4}-\d{2}-\d{2}$/.test(String(value))) out[name] = day(value);
    else if (name === "status") out[name] = t(`statuses.${value}`);
    else out[name] = value;
  }
  return out;
}

export function errorText(error) {
  const params = readable(error.params);
  if (error.field) params.field = has(`fields.${error.field}`) ? t(`fields.${error.field}`) : t("fields.unknown");
  if (error.reason && has(`errors.${error.reason}`)) return t(`errors.${error.reason}`, params);
  if (error.code && has(`errors.${error.code}`)) return t(`errors.${error.code}`, params);
  return t("errors.error");
}
