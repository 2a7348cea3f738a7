// 逾期: everything past its deadline in the jurisdiction, by kind, with who is responsible
// and the policy it was judged by.
import { get } from "../lib/api.js";
import { failure, field, fill, fmt, h, loading, select, table } from "../lib/dom.js";
import { eventLinks } from "../lib/event.js";
import { choices, lbl, shown } from "../lib/labels.js";
import { bj, fromLocalInput } from "../lib/time.js";

const SHOWN = 200;

function responsible(list) {
  return (list || []).map((r) =>
    h("div", {}, h("span", { class: "tag" }, shown(r, "role", "role")), " ", r.holder_name || r.holder, r.holder_title ? `（${r.holder_title}）` : "", " ", eventLinks(r.events)),
  );
}

function policy(p) {
  if (!p) return "—";
  const sources = (p.sources || []).map((s) => s.basis || s.policy_id).join("；") || "国家基线";
  const value = typeof p.value === "string" && /^\d{4}-\d\d-\d\dT/.test(p.value) ? bj(p.value) : JSON.stringify(p.value);
  return h("div", {}, h("div", {}, sources), h("div", { class: "hint" }, `${p.rule}：${value}`));
}

export async function render(main, params, { me, navigate }) {
  const scope = params.scope || me.home.unit_id;
  const kindSelect = select("kind", [["", "全部类别"], ...choices("overdue_kind")], params.kind || "");
  const atInput = h("input", { type: "datetime-local", name: "at", value: params.at || "" });
  const form = h("form", { class: "toolbar" }, field("类别", kindSelect), field("截至（发生时间，空为现在）", atInput), h("button", { type: "submit" }, "查询"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("overdue", { scope, kind: kindSelect.value, at: atInput.value });
  });
  const summary = h("div", { class: "cards", id: "overdue-kinds" });
  const body = h("div", { id: "overdue-table" }, loading());
  fill(main, h("h2", {}, `逾期 · ${me.home.unit_id === scope ? me.home.name : scope}`), form, summary, body);
  let answer;
  try {
    answer = await get("/v1/overdue", { scope, kind: params.kind, at: fromLocalInput(params.at) });
  } catch (error) {
    fill(body, failure(error));
    return;
  }
  const counts = {};
  for (const item of answer.items) counts[item.kind] = (counts[item.kind] || 0) + 1;
  fill(
    summary,
    Object.entries(counts).map(([kind, n]) =>
      h("div", { class: "card" }, h("div", { class: "label" }, lbl("overdue_kind", kind)), h("div", { class: "value bad" }, fmt(n))),
    ),
  );
  const items = [...answer.items].sort((a, b) => (b.overdue_by?.minutes || 0) - (a.overdue_by?.minutes || 0));
  fill(
    body,
    h("p", { class: "hint" }, `共 ${fmt(items.length)} 项，截至 ${bj(answer.at)}；按逾期时长排列${items.length > SHOWN ? `，显示前 ${SHOWN} 项` : ""}。`),
    table(
      [
        { title: "类别", cell: (i) => shown(i, "kind", "overdue_kind") },
        { title: "事项", cell: (i) => h("span", { class: "mono" }, i.hazard_id || i.subject) },
        { title: "单位", cell: (i) => i.unit_name || i.unit_id },
        { title: "期限", cell: (i) => bj(i.deadline) },
        { title: "逾期", class: "num", cell: (i) => h("span", { class: "tag bad" }, `${fmt(i.overdue_by?.days)} 天`) },
        { title: "责任人", cell: (i) => responsible(i.responsible) },
        { title: "依据", cell: (i) => policy(i.policy) },
      ],
      items.slice(0, SHOWN),
      { id: "overdue" },
    ),
  );
  main.dataset.ready = "1";
}
