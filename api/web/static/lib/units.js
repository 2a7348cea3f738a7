// Units by name or code (GET /v1/units?q=, within the account's jurisdiction): the unit
// fields of the views (type a name, pick the unit) and the name shown beside a code.
import { get } from "./api.js";
import { h } from "./dom.js";

const names = new Map();

/** The units whose name, former name or code holds ``q``. */
export async function findUnits(q, limit = 20) {
  const answer = await get("/v1/units", { q, limit });
  for (const unit of answer.units) names.set(unit.unit_id, unit.name);
  return answer.units;
}

/** The name of unit ``id`` (the code itself when the search does not find it). */
export async function unitName(id) {
  if (!names.has(id)) {
    const found = await findUnits(id).catch(() => []);
    if (!found.some((u) => u.unit_id === id)) names.set(id, id);
  }
  return names.get(id);
}

/** "兰山区（371302）" */
export async function unitTitle(id) {
  const name = await unitName(id);
  return name === id ? id : `${name}（${id}）`;
}

/** A text field holding a unit's code, with a list of the units whose name holds what is typed. */
export function unitField(name, value) {
  const list = h("datalist", { id: `${name}-units` });
  const input = h("input", { name, value: value || "", size: 22, list: list.id, autocomplete: "off", placeholder: "单位名称或代码" });
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) return;
    timer = setTimeout(async () => {
      const found = await findUnits(q).catch(() => []);
      list.replaceChildren(...found.map((u) => h("option", { value: u.unit_id, label: `${u.name}（${u.kind_label}）` })));
    }, 250);
  });
  return [input, list];
}
