// 逾期: everything past its deadline in the jurisdiction, by kind, with who is responsible
// and the policy it was judged by.
import { get } from "../lib/api.js";
import { failure, field, fill, fmt, h, loading, select, table } from "../lib/dom.js";
import { eventLinks } from "../lib/event.js";
import { choices, lbl, shown } from "../lib/labels.js";
import { bj, fromLocalInput } from "../lib/time.js";
import { unitTitle } from "../lib/units.js";

const SHOWN = 200;

function responsible(list) {
  return (list || []).map((r) =>
    h("div", {}, h("span", { class: "tag" }, shown(r, "role", "role")), " ", r.holder_name || r.holder, r.holder_title ? `（${r.holder_title}）` : "", " ", eventLinks(r.events)),
  );
}

/** The document the item was judged by: a policy in force (its number and name), or the
 * national text (国家基线) where no policy sets the rule. */
function policy(p) {
  if (!p) return "—";
  const source = p.national ? ["国家基线", h("div", { class: "hint" }, p.basis)] : [p.basis || p.policy_id, p.name ? h("div", { class: "hint" }, `《${p.name}》`) : null];
  const value = typeof p.value === "string" && /^\d{4}-\d\d-\d\dT/.test(p.value) ? bj(p.value) : null;
  return h("div", {}, source, value ? h("div", { class: "hint" }, `期限：${value}`) : null);
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
  const title = h("h2", {}, "逾期");
  fill(main, title, form, summary, body);
  unitTitle(scope).then((text) => fill(title, `逾期 · ${text}`));
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
    h("p", { class: "hint" }, `共 ${fmt(items.length)} 项，截至 ${bj(answer.as_of.at)}（台账位置 #${answer.as_of.position}）；按逾期时长排列${items.length > SHOWN ? `，显示前 ${SHOWN} 项` : ""}。`),
    table(
      [
        { title: "类别", cell: (i) => shown(i, "kind", "overdue_kind") },
        { title: "事项", cell: (i) => [h("span", { class: "mono" }, i.hazard_id || i.subject), i.description ? h("div", { class: "hint" }, i.description) : null] },
        { title: "单位", cell: (i) => [i.unit_name || i.unit_id, h("div", { class: "hint mono" }, i.unit_id)] },
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
