// 总览: a jurisdiction's figures for a period, as charts; each unit below it drills down
// (province → city → county → township → enterprise) and the breadcrumbs lead back up.
// The unit, its children and their figures: GET /v1/units/{id}; the period's figures:
// GET /v1/stats; the overdue items by kind: GET /v1/overdue/summary.
import { get } from "../lib/api.js";
import { bars, chart, ring, RISK_COLOURS } from "../lib/charts.js";
import { failure, field, fill, fmt, h, percent, select, table } from "../lib/dom.js";
import { choices, lbl, shown } from "../lib/labels.js";
import { bj, periodEnd, periods } from "../lib/time.js";

const RISKS = ["red", "orange", "yellow", "blue"];

function card(label, value, { bad = false, sub = null, id = null } = {}) {
  return h("div", { class: "card", id }, h("div", { class: "label" }, label), h("div", { class: bad ? "value bad" : "value" }, value), sub && h("div", { class: "sub" }, sub));
}

function panel(title, id, tall = false) {
  const box = h("div", { class: tall ? "chart tall" : "chart", id });
  return [h("div", { class: "panel" }, h("h3", {}, title), box), box];
}

export async function render(main, params, { me, navigate }) {
  const unitId = params.unit || me.home.unit_id;
  const thisYear = new Date().getFullYear();
  const options = periods(Math.min(2019, thisYear), thisYear);
  const period = options.find((p) => p.value === (params.period || "all")) || options[0];
  const go = (changes) => navigate("overview", { unit: unitId, period: period.value, ...changes });

  const periodSelect = select("period", options.map((p) => [p.value, p.text]), period.value);
  periodSelect.addEventListener("change", () => go({ period: periodSelect.value }));
  const crumbs = h("div", { class: "crumbs", id: "crumbs" });
  const cards = h("div", { class: "cards", id: "figures" });
  const charts = h("div", { class: "grid" });
  const below = h("div", { id: "children" });
  const asOf = h("p", { class: "hint", id: "as-of" });
  fill(main, h("h2", { id: "title" }, "总览"), crumbs, h("div", { class: "toolbar" }, field("时段", periodSelect)), asOf, cards, charts, below);

  const end = periodEnd(period);
  const at = end ? { at: end } : {};
  let tree, figures;
  try {
    [tree, figures] = await Promise.all([
      get(`/v1/units/${encodeURIComponent(unitId)}`, at),
      get("/v1/stats", { scope: unitId, from: period.from, to: end }),
    ]);
  } catch (error) {
    fill(main, h("h2", {}, "总览"), failure(error));
    return;
  }
  const unit = tree.unit;
  fill(main.querySelector("#title"), `总览 · ${unit.name}`, h("span", { class: "tag" }, shown(unit, "kind", "unit_kind")));
  fill(
    crumbs,
    tree.path.map((c, i) =>
      i === tree.path.length - 1
        ? h("strong", { class: "crumb current" }, c.name)
        : [h("a", { class: "crumb", dataset: { unit: c.unit_id }, onclick: () => go({ unit: c.unit_id }) }, c.name), h("span", { class: "sep" }, "›")],
    ),
  );
  fill(asOf, `截至 ${bj(tree.as_of.at)}（北京时间），台账位置 #${fmt(tree.as_of.position)}；${period.from ? `时段 ${bj(period.from).slice(0, 10)} 至 ${bj(end || tree.as_of.at).slice(0, 10)}` : "全部时段累计"}。`);

  const hz = figures.hazards;
  const listed = figures.major_hazards_listed;
  const acc = figures.accidents;
  const enterprises = unit.figures.enterprises;
  fill(
    cards,
    card("隐患总数", fmt(hz.total), { id: "fig-hazards", sub: `本期新增 ${fmt(hz.reported_in_period)}` }),
    card("未销号隐患", fmt(hz.open), { id: "fig-open" }),
    card("逾期未整改", fmt(hz.overdue), { id: "fig-overdue", bad: hz.overdue > 0 }),
    card("整改率", percent(hz.rectification_rate), { id: "fig-rate", sub: `已整改 ${fmt(hz.rectified)} / 已交办 ${fmt(hz.handed_over)}` }),
    card("挂牌督办重大隐患", fmt(listed.total), { id: "fig-listed", sub: `未销号 ${fmt(listed.open)}` }),
    card("事故", `${fmt(acc.total)} 起`, { id: "fig-accidents", bad: acc.deaths > 0, sub: `死亡 ${fmt(acc.deaths)} 人，重伤 ${fmt(acc.serious_injuries)} 人` }),
    card("监督检查", fmt(figures.inspections.total), { id: "fig-inspections", sub: `覆盖单位 ${fmt(figures.inspections.units_inspected)}` }),
    card("生产经营单位", fmt(enterprises.total), { id: "fig-enterprises", sub: `重大风险（红）${fmt(enterprises.by_risk.red)} 家` }),
    card("逾期事项", "…", { id: "fig-overdue-items" }),
    card("研判发现", period.value === "all" ? "—" : "…", { id: "fig-findings", sub: period.value === "all" ? "选择年度或季度后显示" : null }),
  );

  const [riskPanel, riskBox] = panel("企业风险等级分布（红橙黄蓝）", "chart-risk");
  const [statePanel, stateBox] = panel("隐患状态分布", "chart-states");
  const [gradePanel, gradeBox] = panel("事故（按等级）", "chart-accidents");
  const [overduePanel, overdueBox] = panel("逾期事项（按类别）", "chart-overdue");
  const [listedPanel, listedBox] = panel("挂牌督办重大隐患（按级别）", "chart-listed");
  // the places below (with their enterprises); departments and work groups hold none
  const kids = tree.children.filter((k) => k.figures.enterprises.total > 0);
  const others = tree.children.filter((k) => k.figures.enterprises.total === 0);
  const [kidsPanel, kidsBox] = panel(`下级单位未销号隐患（${kids.length} 个，点击下钻）`, "chart-children", true);
  fill(charts, kids.length ? kidsPanel : null, riskPanel, statePanel, overduePanel, gradePanel, listedPanel);

  chart(riskBox, ring(RISKS.map((r) => ({ name: lbl("risk_level", r), value: enterprises.by_risk[r], colour: RISK_COLOURS[r] }))));
  const states = choices("hazard_state").map(([code, text]) => [text, hz.by_state[code] || 0]);
  chart(stateBox, bars(states.map((s) => s[0]), [{ name: "隐患数", data: states.map((s) => s[1]) }], { horizontal: true }));
  const grades = acc.by_grade.map((g) => [shown(g, "grade", "accident_grade"), g.count]);
  chart(gradeBox, bars(grades.map((g) => g[0]), [{ name: "事故起数", data: grades.map((g) => g[1]) }]));
  const levels = choices("supervision_level").map(([code, text]) => [text, listed.by_level[code] || 0]);
  chart(listedBox, bars(levels.map((l) => l[0]), [{ name: "挂牌督办", data: levels.map((l) => l[1]) }]));

  if (kids.length) {
    const open = (k) => k.figures.hazards.open;
    const shownKids = [...kids].sort((a, b) => open(b) - open(a) || a.unit_id.localeCompare(b.unit_id)).slice(0, 40);
    chart(
      kidsBox,
      bars(shownKids.map((k) => k.name), [
        { name: "未销号", data: shownKids.map(open) },
        { name: "逾期", data: shownKids.map((k) => k.figures.hazards.overdue), itemStyle: { color: "#d7191c" } },
        { name: "重大未销号", data: shownKids.map((k) => k.figures.hazards.major_open), itemStyle: { color: "#f28e2b" } },
      ]),
      (event) => go({ unit: shownKids[event.dataIndex].unit_id }),
    );
    fill(below, h("h3", {}, "下级单位"), childrenTable(kids, go), otherUnits(others));
  } else {
    fill(
      below,
      h("h3", {}, "本单位"),
      h("p", {}, unit.kind === "enterprise" ? ["风险等级：", riskTag(unit)] : "没有下级生产经营单位。"),
      h("p", {}, h("a", { class: "button", href: `#/responsibility?unit=${encodeURIComponent(unit.unit_id)}` }, "查看责任"), " ", h("a", { class: "button secondary", href: `#/hazards?scope=${encodeURIComponent(unit.unit_id)}` }, "查看隐患台账")),
      otherUnits(others),
    );
  }
  main.dataset.ready = "1";

  // the slower reads after the figures, so that they do not hold the figures up
  get("/v1/overdue/summary", { scope: unitId, ...at })
    .then((summary) => {
      const value = document.querySelector("#fig-overdue-items .value");
      if (!value) return; // the official has moved on to another view
      fill(value, fmt(summary.total));
      const rows = summary.by_kind.filter((k) => k.count > 0);
      chart(overdueBox, bars(rows.map((k) => shown(k, "kind", "overdue_kind")), [{ name: "逾期事项", data: rows.map((k) => k.count), itemStyle: { color: "#e5663a" } }], { horizontal: true }));
    })
    .catch((error) => fill(overdueBox, failure(error)))
    .then(() => period.value !== "all" && findings(unitId, period.value));
}

function childrenTable(kids, go) {
  const f = (k) => k.figures;
  return table(
    [
      { title: "单位", cell: (k) => h("button", { type: "button", class: "drill", dataset: { unit: k.unit_id }, onclick: () => go({ unit: k.unit_id }) }, k.name) },
      { title: "类别", cell: (k) => shown(k, "kind", "unit_kind") },
      { title: "风险等级", cell: (k) => (k.kind === "enterprise" ? riskTag(k) : RISKS.map((r) => h("span", { class: "tag", title: lbl("risk_level", r) }, h("span", { class: `risk ${r}` }), fmt(f(k).enterprises.by_risk[r])))) },
      { title: "企业", class: "num", cell: (k) => fmt(f(k).enterprises.total) },
      { title: "未销号隐患", class: "num", cell: (k) => fmt(f(k).hazards.open) },
      { title: "逾期", class: "num", cell: (k) => (f(k).hazards.overdue ? h("span", { class: "tag bad" }, fmt(f(k).hazards.overdue)) : "0") },
      { title: "重大未销号", class: "num", cell: (k) => fmt(f(k).hazards.major_open) },
    ],
    kids,
    { id: "children-table" },
  );
}

/** Departments, committees and work groups under the unit: no drill-down, their duties. */
function otherUnits(others) {
  if (!others.length) return null;
  return h(
    "p",
    { class: "hint", id: "other-units" },
    "其他下级单位（部门、工作组等，无在营企业）：",
    others.map((k) => h("a", { class: "tag", href: `#/responsibility?unit=${encodeURIComponent(k.unit_id)}` }, k.name)),
  );
}

function findings(unitId, period) {
  const value = () => document.querySelector("#fig-findings .value");
  return get("/v1/findings", { scope: unitId, period })
    .then((found) => value() && fill(value(), fmt(found.findings.length)))
    .catch((error) => value() && fill(value(), failure(error)));
}

function riskTag(unit) {
  return unit.risk_level ? h("span", { class: "tag" }, h("span", { class: `risk ${unit.risk_level}` }), shown(unit, "risk_level", "risk_level")) : "未评定";
}
