// 研判结果: the findings of the rules of SPEC §6 for a period, each with its rule, the
// document it comes from, the policy it was judged by, and its evidence (events).
import { get } from "../lib/api.js";
import { failure, field, fill, fmt, h, loading, select, table } from "../lib/dom.js";
import { eventLinks } from "../lib/event.js";
import { lbl } from "../lib/labels.js";
import { periods } from "../lib/time.js";

function subject(s) {
  if (!s) return "—";
  const kind = s.kind === "person" ? lbl("role", s.role) : lbl("unit_kind", s.unit_kind || s.kind);
  return [s.name || s.id, h("div", { class: "hint" }, kind)];
}

function policyText(policy) {
  if (!policy) return "—";
  const name = policy.basis || policy.policy_id;
  if (!name) return "国家基线";
  return policy.default ? `${name}（国家基线）` : name;
}

export async function render(main, params, { me, navigate }) {
  const scope = params.scope || me.home.unit_id;
  const thisYear = new Date().getFullYear();
  const options = periods(Math.min(2019, thisYear), thisYear).filter((p) => p.value !== "all");
  const period = params.period || `${thisYear}Q${Math.floor(new Date().getMonth() / 3) + 1}`;
  const periodSelect = select("period", options.map((p) => [p.value, p.text]), period);
  periodSelect.addEventListener("change", () => navigate("findings", { scope, period: periodSelect.value }));
  const summary = h("div", { class: "cards", id: "finding-rules" });
  const body = h("div", { id: "findings" }, loading("研判中…（按规则逐条核对，可能需要数秒）"));
  fill(main, h("h2", {}, `研判结果 · ${me.home.unit_id === scope ? me.home.name : scope}`), h("div", { class: "toolbar" }, field("时段", periodSelect)), summary, body);
  let answer;
  try {
    answer = await get("/v1/findings", { scope, period });
  } catch (error) {
    fill(body, failure(error));
    return;
  }
  const counts = {};
  for (const f of answer.findings) counts[f.rule] = (counts[f.rule] || 0) + 1;
  fill(summary, h("div", { class: "card" }, h("div", { class: "label" }, "发现总数"), h("div", { class: "value" }, fmt(answer.findings.length))));
  fill(
    body,
    answer.findings.length === 0
      ? h("p", { class: "hint" }, "本时段没有研判发现。")
      : table(
          [
            { title: "规则", cell: (f) => [f.title?.zh || f.rule, h("div", { class: "hint mono" }, f.rule)] },
            { title: "对象", cell: (f) => subject(f.subject) },
            { title: "文件依据", cell: (f) => f.source || "—" },
            { title: "适用政策", cell: (f) => policyText(f.policy) },
            { title: "证据", cell: (f) => eventLinks(f.evidence) },
          ],
          answer.findings,
          { id: "findings-table" },
        ),
  );
  main.dataset.ready = "1";
}
