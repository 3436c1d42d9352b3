// The catalogue on sale, and product and plan names in the language chosen (the catalogue holds
// both; a product held keeps the name it was sold under as the fallback).

import { currentLanguage } from "./i18n.js";
import { api, state } from "./session.js";

export async function catalogue() {
  if (!state.catalogue) state.catalogue = (await api("GET", "/products")).items;
  return state.catalogue;
}

const named = (thing, fallback) => (thing && thing.names && thing.names[currentLanguage()]) || fallback;

export function productName(code, fallback) {
  return named((state.catalogue || []).find((p) => p.code === code), fallback || code);
}

export function planName(code, fallback) {
  const plan = (state.catalogue || []).flatMap((p) => p.plans).find((x) => x.code === code);
  return named(plan, fallback || (plan ? plan.name : code));
}

export function plansOf(productCode) {
  return ((state.catalogue || []).find((p) => p.code === productCode) || { plans: [] }).plans;
}
