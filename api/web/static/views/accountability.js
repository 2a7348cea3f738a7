// 事故追责: an accident's accountability chain, tier by tier; each link opens its event.
import { get } from "../lib/api.js";
import { failure, fill, fmt, h, loading, table } from "../lib/dom.js";
import { eventLink, eventLinks } from "../lib/event.js";
import { holderColumns } from "../lib/holders.js";
import { shown } from "../lib/labels.js";
import { bj } from "../lib/time.js";

async function accidents() {
  const found = [];
  let after = 0;
  for (;;) {
    const page = await get("/v1/events", { type: "accident.occurred", after, limit: 1000 });
    found.push(...page.events);
    if (page.next_after === after) return found;
    after = page.next_after;
  }
}

function section(title, content) {
  return [h("h3", {}, title), content];
}

export async function render(main, params, { navigate }) {
  const list = h("div", { id: "accident-list" }, loading());
  const chain = h("div", { id: "chain" });
  fill(main, h("h2", {}, "事故追责"), list, chain);
  let all;
  try {
    all = await accidents();
  } catch (error) {
    fill(list, failure(error));
    return;
  }
  all.sort((a, b) => b.data.deaths - a.data.deaths || b.occurred_at.localeCompare(a.occurred_at));
  const picker = h("select", { id: "accident-select" }, h("option", { value: "" }, `选择事故（共 ${all.length} 起）`),
    all.map((e) => h("option", { value: e.data.accident_id, selected: e.data.accident_id === params.accident }, `${e.data.accident_id} · ${bj(e.occurred_at).slice(0, 10)} · ${e.data.description}`)),
  );
  picker.addEventListener("change", () => navigate("accountability", { accident: picker.value }));
  fill(list, h("label", { class: "field" }, h("span", {}, "事故"), picker));
  if (!params.accident) {
    fill(chain, h("p", { class: "hint" }, all.length ? "请选择一起事故，查看其责任链条。" : "本辖区没有事故记录。"));
    main.dataset.ready = "1";
    return;
  }
  fill(chain, loading());
  let a;
  try {
    a = await get(`/v1/accidents/${encodeURIComponent(params.accident)}/accountability`);
  } catch (error) {
    fill(chain, failure(error));
    return;
  }
  const acc = a.accident;
  // names beside ids: everyone and every unit the chain names, as they were then
  const names = new Map([[a.unit.unit_id, a.unit.name], ...a.tiers.map((t) => [t.unit_id, t.name]), ...a.responsible.map((r) => [r.holder, r.holder_name])]);
  const named = (id) => (id && names.get(id) ? [names.get(id), h("div", { class: "hint mono" }, id)] : id || "—");
  const onTime = (x) => {
    if (!x.due_at) return h("span", { class: "tag" }, "无时限要求");
    if (x.on_time === null || x.on_time === undefined) return h("span", { class: "tag" }, "未到期");
    return x.on_time ? h("span", { class: "tag good" }, "按时") : h("span", { class: "tag bad" }, `迟报 ${fmt(x.late_by_minutes)} 分钟`);
  };
  const openHazards = a.hazards.open || [];
  fill(
    chain,
    h("div", { class: "tier", id: "accident-summary" },
      h("h4", {}, `${acc.unit_name || acc.unit_id} · ${shown(a, "grade", "accident_grade")}事故`),
      h("dl", { class: "facts" },
        h("dt", {}, "事故编号"), h("dd", { class: "mono" }, acc.accident_id),
        h("dt", {}, "发生时间"), h("dd", {}, bj(acc.occurred_at)),
        h("dt", {}, "伤亡"), h("dd", {}, `死亡 ${acc.deaths} 人，重伤 ${acc.serious_injuries} 人，直接经济损失 ${fmt(acc.direct_loss_cny)} 元`),
        h("dt", {}, "经过"), h("dd", {}, acc.description),
        h("dt", {}, "事件"), h("dd", {}, eventLinks(acc.events)),
      ),
    ),
    section("责任链条（逐级，事发时）", a.tiers.map((tier) =>
      h("div", { class: "tier chain-tier", dataset: { unit: tier.unit_id } },
        h("h4", {}, tier.name, " ", h("span", { class: "tag" }, shown(tier, "kind", "unit_kind"))),
        tier.holders && tier.holders.length ? table(holderColumns(), tier.holders) : h("p", { class: "gap" }, "本级无责任人记录"),
      ),
    )),
    a.gaps && a.gaps.length ? section("责任空缺", h("div", { class: "gap", id: "gaps" }, a.gaps.map((g) => h("div", {}, `${g.unit_name || g.unit_id}：${g.finding}`)))) : null,
    section("事故报告（初报、书面报告、续报）", a.reports.length ? table([
      { title: "阶段", cell: (r) => shown(r, "stage", "report_stage") },
      { title: "应报时间", cell: (r) => bj(r.due_at) },
      { title: "报告时间", cell: (r) => bj(r.reported_at) },
      { title: "报告人", cell: (r) => (r.by ? [r.by_name || r.by, h("div", { class: "hint mono" }, r.by)] : "—") },
      { title: "报送单位", cell: (r) => r.to_unit_name || r.to_unit || "—" },
      { title: "是否按时", cell: onTime },
      { title: "事件", cell: (r) => eventLinks(r.events) },
    ], a.reports, { id: "reports" }) : h("p", { class: "hint" }, "无报告记录")),
    section("逐级上报", a.escalation && a.escalation.length ? table([
      { title: "上报至", cell: (e) => shown(e, "level", "investigation_level") },
      { title: "下级收到", cell: (e) => bj(e.received_below_at) },
      { title: "应报时间", cell: (e) => bj(e.due_at) },
      { title: "上报时间", cell: (e) => bj(e.reported_at) },
      { title: "是否按时", cell: onTime },
      { title: "事件", cell: (e) => eventLinks(e.events) },
    ], a.escalation, { id: "escalation" }) : h("p", { class: "hint" }, "无逐级上报要求或记录")),
    section("事发前的检查", a.inspections.length ? table([
      { title: "时间", cell: (i) => bj(i.occurred_at) },
      { title: "类别", cell: (i) => shown(i, "kind", "inspection_kind") },
      { title: "检查人员", cell: (i) => (i.inspector_names && i.inspector_names.length ? i.inspector_names.filter(Boolean).join("、") : (i.inspectors || []).join("、")) },
      { title: "结果", cell: (i) => i.result },
      { title: "事件", cell: (i) => eventLinks(i.events) },
    ], a.inspections.slice(0, 20)) : h("p", { class: "hint" }, "事发前无检查记录")),
    section("事发时未销号隐患", openHazards.length ? table([
      { title: "隐患编号", cell: (x) => h("span", { class: "mono" }, x.hazard_id) },
      { title: "隐患描述", cell: (x) => x.description },
      { title: "等级", cell: (x) => shown(x, "severity", "hazard_severity") },
      { title: "状态", cell: (x) => shown(x, "state", "hazard_state") },
      { title: "整改期限", cell: (x) => bj(x.deadline) },
      { title: "逾期", cell: (x) => (x.overdue ? h("span", { class: "tag bad" }, "逾期") : "") },
      { title: "整改责任人", cell: (x) => x.responsible_name || x.responsible || "—" },
      { title: "事件", cell: (x) => eventLink(x.last_event) },
    ], openHazards) : h("p", { class: "hint" }, "无")),
    section("此前的处理处罚", a.sanctions.length ? table([
      { title: "时间", cell: (s) => bj(s.imposed_at) },
      { title: "对象", cell: (s) => named(s.target) },
      { title: "处理", cell: (s) => shown(s, "kind", "sanction_kind") },
      { title: "事件", cell: (s) => eventLinks(s.events) },
    ], a.sanctions) : h("p", { class: "hint" }, "无")),
    a.investigation ? section("事故调查", h("div", { class: "tier", id: "investigation" },
      h("dl", { class: "facts" },
        h("dt", {}, "应由"), h("dd", {}, `${shown(a.investigation, "required_level", "investigation_level")}调查`),
        h("dt", {}, "调查级别"), h("dd", {}, a.investigation.level ? shown(a.investigation, "level", "investigation_level") : "尚未启动"),
        h("dt", {}, "牵头"), h("dd", {}, named(a.investigation.led_by)),
        h("dt", {}, "启动"), h("dd", {}, bj(a.investigation.opened_at)),
        h("dt", {}, "报告期限"), h("dd", {}, bj(a.investigation.report_due)),
        h("dt", {}, "结论"), h("dd", {}, a.investigation.concluded_at ? `${bj(a.investigation.concluded_at)}：${a.investigation.findings || ""}` : "调查中"),
        h("dt", {}, "事件"), h("dd", {}, eventLinks(a.investigation.events)),
      ),
      (a.investigation.responsible || []).length ? table([
        { title: "责任人", cell: (r) => [r.holder_name || r.holder, h("div", { class: "hint mono" }, r.holder)] },
        { title: "责任认定", cell: (r) => shown(r, "responsibility", "responsibility") },
        { title: "在责任链条中", cell: (r) => (r.in_chain ? "是" : "否") },
        { title: "说明", cell: (r) => r.note || "" },
      ], a.investigation.responsible) : null,
    )) : null,
  );
  main.dataset.ready = "1";
}
