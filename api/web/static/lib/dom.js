// Building the page from data without ever parsing data as HTML (no innerHTML with data).

/** h("div", {class: "x", onclick: fn}, "text", child, [more]) → an element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace everything inside ``el``. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table: columns [{title, cell: (row) => content, class?}], rows. */
export function table(columns, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.class }, c.title)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", { class: c.class }, c.cell(row)))))),
  );
}

export function fmt(n) {
  return n === null || n === undefined ? "—" : Number(n).toLocaleString("zh-CN");
}

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

export function loading(text = "加载中…") {
  return h("p", { class: "loading" }, text);
}

export function failure(error) {
  return h("p", { class: "error", role: "alert" }, `加载失败：${error.message || error}`);
}

/** A labelled form field. */
export function field(labelText, input) {
  return h("label", { class: "field" }, h("span", {}, labelText), input);
}

export function select(name, options, value) {
  return h(
    "select",
    { name },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)),
  );
}
