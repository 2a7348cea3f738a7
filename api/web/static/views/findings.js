// 研判结果: the findings of the rules of SPEC §6 for a period, each with its rule, the
// document it comes from, the policy it was judged by, and its evidence (events).
import { get } from "../lib/api.js";
import { failure, field, fill, fmt, h, loading, select, table } from "../lib/dom.js";
import { eventLinks } from "../lib/event.js";
import { lbl, shown } from "../lib/labels.js";
import { bj, periods } from "../lib/time.js";
import { unitTitle } from "../lib/units.js";

/** What a finding is about: a person (with their role and title), a unit, an accident … */
function subject(s, finding) {
  if (!s) return "—";
  const what = s.role ? [shown(s, "role", "role"), s.title].filter(Boolean).join("，") : s.kind === "unit" ? shown(s, "unit_kind", "unit_kind") : lbl("stream_kind", s.kind);
  return [s.name || s.id, h("div", { class: "hint" }, what), s.id !== s.name ? h("div", { class: "hint mono" }, s.id) : null, finding.unit_name && finding.unit_id !== s.id ? h("div", { class: "hint" }, finding.unit_name) : null];
}

/** The policy the finding was judged by: its number and name, or the national text. */
function policyText(policy) {
  if (!policy) return "—";
  if (policy.national) return ["国家基线", h("div", { class: "hint" }, policy.basis)];
  return [policy.basis || policy.policy_id, policy.name ? h("div", { class: "hint" }, `《${policy.name}》`) : null];
}

/** The document the rule comes from, and its words. */
function source(s) {
  if (!s) return "—";
  if (typeof s === "string") return s;
  return [s.document, s.quote ? h("div", { class: "hint" }, s.quote) : null];
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
  const title = h("h2", {}, "研判结果");
  fill(main, title, h("div", { class: "toolbar" }, field("时段", periodSelect)), summary, body);
  unitTitle(scope).then((text) => fill(title, `研判结果 · ${text}`));
  let answer;
  try {
    answer = await get("/v1/findings", { scope, period });
  } catch (error) {
    fill(body, failure(error));
    return;
  }
  const counts = {};
  for (const f of answer.findings) counts[f.rule] = (counts[f.rule] || 0) + 1;
  fill(
    summary,
    h("div", { class: "card" }, h("div", { class: "label" }, "发现总数"), h("div", { class: "value" }, fmt(answer.findings.length)), h("div", { class: "sub" }, `截至 ${bj(answer.as_of.at)}`)),
    Object.entries(counts).map(([rule, n]) => {
      const first = answer.findings.find((f) => f.rule === rule);
      return h("div", { class: "card" }, h("div", { class: "label" }, (first.title && first.title.zh) || rule), h("div", { class: "value bad" }, fmt(n)));
    }),
  );
  fill(
    body,
    answer.findings.length === 0
      ? h("p", { class: "hint" }, "本时段没有研判发现。")
      : table(
          [
            { title: "规则", cell: (f) => [f.title?.zh || f.rule, h("div", { class: "hint mono" }, f.rule)] },
            { title: "对象", cell: (f) => subject(f.subject, f) },
            { title: "文件依据", cell: (f) => source(f.source) },
            { title: "适用政策", cell: (f) => policyText(f.policy) },
            { title: "证据", cell: (f) => eventLinks(f.evidence) },
          ],
          answer.findings,
          { id: "findings-table" },
        ),
  );
  main.dataset.ready = "1";
}
