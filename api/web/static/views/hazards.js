// 隐患台账: the hazard ledger of a jurisdiction (GET /v1/hazards), filtered by state,
// severity, unit and the period it was reported in, paged, and exported as XLSX
// (GET /v1/hazards.xlsx: the same parameters, every row).
import { get, url } from "../lib/api.js";
import { failure, field, fill, h, loading, select, table } from "../lib/dom.js";
import { eventLink } from "../lib/event.js";
import { choices, shown } from "../lib/labels.js";
import { bj } from "../lib/time.js";
import { unitField, unitTitle } from "../lib/units.js";

const PAGE = 50;

function dateInput(name, value) {
  return h("input", { type: "date", name, value: value || "" });
}

function person(item, key) {
  const id = item[key];
  if (!id) return "—";
  const name = item[`${key}_name`];
  return name ? [name, h("div", { class: "hint mono" }, id)] : id;
}

export async function render(main, params, { me, navigate }) {
  const scope = params.scope || me.home.unit_id;
  const stateSelect = select("state", [["", "全部状态"], ["open", "未销号"], ["overdue", "逾期未整改"], ...choices("hazard_state")], params.state || "");
  const severitySelect = select("severity", [["", "全部等级"], ...choices("hazard_severity")], params.severity || "");
  const [unitInput, unitList] = unitField("scope", scope);
  const fromInput = dateInput("from", params.from);
  const toInput = dateInput("to", params.to);
  const form = h(
    "form",
    { class: "toolbar", id: "hazard-filter" },
    field("状态", stateSelect),
    field("隐患等级", severitySelect),
    field("单位（辖区、乡镇或企业）", unitInput),
    unitList,
    field("入库时间自", fromInput),
    field("至（不含）", toInput),
    h("button", { type: "submit" }, "查询"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("hazards", { state: stateSelect.value, severity: severitySelect.value, scope: unitInput.value.trim(), from: fromInput.value, to: toInput.value });
  });
  const query = {
    scope,
    state: params.state,
    severity: params.severity,
    from: params.from ? `${params.from}T00:00:00+08:00` : null,
    to: params.to ? `${params.to}T00:00:00+08:00` : null,
  };
  const exportLink = h("a", { class: "button secondary", id: "export-xlsx", href: url("/v1/hazards.xlsx", query), download: "隐患台账.xlsx" }, "导出 XLSX");
  const title = h("h2", {}, "隐患台账");
  const body = h("div", { id: "hazard-table" }, loading());
  const pager = h("div", { class: "pager" });
  fill(main, title, form, h("div", { class: "toolbar" }, exportLink, h("span", { class: "hint" }, "导出包含筛选出的全部隐患（不限本页），时间为北京时间。")), body, pager);
  unitTitle(scope).then((text) => fill(title, `隐患台账 · ${text}`));

  const history = [];
  async function page(after) {
    fill(body, loading());
    let answer;
    try {
      answer = await get("/v1/hazards", { ...query, after, limit: PAGE });
    } catch (error) {
      fill(body, failure(error));
      return;
    }
    fill(
      body,
      h("p", { class: "hint" }, `各隐患为截至 ${bj(answer.as_of.at)} 的状态（台账位置 #${answer.as_of.position}）。`),
      answer.items.length === 0
        ? h("p", { class: "hint" }, "没有符合条件的隐患。")
        : table(
            [
              { title: "隐患编号", cell: (i) => h("span", { class: "mono" }, i.hazard_id) },
              { title: "单位", cell: (i) => [i.unit_name || i.unit_id, h("div", { class: "hint mono" }, i.unit_id)] },
              { title: "隐患描述", cell: (i) => [i.description, i.category ? h("div", { class: "hint" }, `${i.category} · ${shown(i, "source", "hazard_source")}`) : null] },
              { title: "等级", cell: (i) => h("span", { class: i.severity === "major" ? "tag bad" : "tag" }, shown(i, "severity", "hazard_severity")) },
              { title: "状态", cell: (i) => shown(i, "state", "hazard_state") },
              { title: "入库时间", cell: (i) => bj(i.reported_at) },
              { title: "整改期限", cell: (i) => bj(i.deadline) },
              { title: "逾期", cell: (i) => (i.overdue ? h("span", { class: "tag bad" }, "逾期") : "") },
              { title: "整改责任人", cell: (i) => person(i, "responsible") },
              { title: "挂牌督办", cell: (i) => (i.supervision_level ? shown(i, "supervision_level", "supervision_level") : "") },
              { title: "最新事件", cell: (i) => eventLink(i.last_event) },
            ],
            answer.items,
            { id: "hazards" },
          ),
    );
    const previous = h("button", { type: "button", class: "secondary", disabled: history.length === 0 }, "上一页");
    previous.addEventListener("click", () => page(history.pop()));
    const next = h("button", { type: "button", class: "secondary", id: "next-page", disabled: !answer.next }, "下一页");
    next.addEventListener("click", () => {
      history.push(after);
      page(answer.next);
    });
    fill(pager, previous, h("span", {}, `第 ${history.length + 1} 页，本页 ${answer.items.length} 条`), next);
  }
  await page(null);
  main.dataset.ready = "1";
}
