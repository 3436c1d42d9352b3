// Building the page: elements, buttons, list items, labelled controls, and messages where an
// action's result belongs.

export const $ = (id) => document.getElementById(id);

export function element(tag, text, props) {
  return Object.assign(document.createElement(tag), { textContent: text ?? "" }, props);
}

export function button(text, onClick) {
  const b = element("button", text, { type: "button" });
  b.addEventListener("click", onClick);
  return b;
}

export function item(text) {
  const li = document.createElement("li");
  li.textContent = text;
  return li;
}

export function labelled(text, control) {
  const label = element("label", text);
  label.append(control);
  return label;
}

export function select(name, options, value) {
  const control = element("select", "", { name });
  control.append(...Object.entries(options).map(([v, text]) => element("option", text, { value: v })));
  control.value = value;
  return control;
}

export function say(text, ok, where = "message") {
  $(where).textContent = text;
  $(where).className = ok ? "ok" : "error";
}

export function jump(sectionId) {
  const target = $(sectionId);
  target.scrollIntoView({ block: "start" });
  target.focus();
}
