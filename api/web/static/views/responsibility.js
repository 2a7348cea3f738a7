// 责任: a unit's responsibility map at a 发生时间 (valid time), as the ledger stood at a
// 记录时间 (transaction time), and the timeline of one role.
import { get } from "../lib/api.js";
import { failure, field, fill, h, loading, select, table } from "../lib/dom.js";
import { holderColumns } from "../lib/holders.js";
import { choices, lbl } from "../lib/labels.js";
import { bj, fromLocalInput } from "../lib/time.js";
import { unitField } from "../lib/units.js";

export async function render(main, params, { me, navigate }) {
  const unitId = params.unit || me.home.unit_id;
  const [unitInput, unitList] = unitField("unit", unitId);
  const atInput = h("input", { type: "datetime-local", name: "at", id: "at", value: params.at || "" });
  const knownInput = h("input", { type: "datetime-local", name: "known_at", id: "known_at", value: params.known_at || "" });
  const form = h(
    "form",
    { class: "toolbar", id: "responsibility-form" },
    field("单位", unitInput),
    unitList,
    field("发生时间（空为现在）", atInput),
    field("记录时间（台账当时所载，空为现在）", knownInput),
    h("button", { type: "submit" }, "查询"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("responsibility", { unit: unitInput.value.trim(), at: atInput.value, known_at: knownInput.value, role: params.role });
  });
  const map = h("div", { id: "responsibility-map" }, loading());
  const roleSelect = select("role", choices("role"), params.role || "territorial");
  const timelineForm = h("form", { class: "toolbar" }, field("角色", roleSelect), h("button", { type: "submit", class: "secondary" }, "查看履职时间线"));
  const timeline = h("div", { id: "timeline" });
  timelineForm.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate("responsibility", { unit: unitId, at: params.at, known_at: params.known_at, role: roleSelect.value });
  });
  const title = h("h2", {}, "责任");
  fill(main, title, form, map, h("h3", {}, "角色时间线"), timelineForm, timeline);

  const asOf = { at: fromLocalInput(params.at), known_at: fromLocalInput(params.known_at) };
  const role = params.role || "territorial";
  const timelineAnswer = get(`/v1/units/${encodeURIComponent(unitId)}/timeline`, { role, known_at: asOf.known_at });
  try {
    const answer = await get(`/v1/units/${encodeURIComponent(unitId)}/responsibility`, asOf);
    fill(title, `责任 · ${answer.unit.name}（${unitId}）`);
    fill(
      map,
      h("p", { class: "hint", id: "as-of" }, `发生时间 ${bj(answer.at)}（北京时间），台账截至位置 #${answer.as_of.position}，记录于 ${bj(answer.as_of.recorded_at, true)}${params.known_at ? `（记录时间 ${bj(asOf.known_at)} 时台账所载）` : ""}`),
      answer.tiers.map((tier) =>
        h(
          "div",
          { class: "tier", dataset: { unit: tier.unit_id } },
          h("h4", {}, tier.name, " ", h("span", { class: "tag" }, lbl("unit_kind", tier.kind)), tier.industry ? h("span", { class: "tag" }, lbl("industry", tier.industry)) : null),
          tier.holders && tier.holders.length ? table(holderColumns(), tier.holders) : h("p", { class: "hint" }, "本级无责任人记录"),
        ),
      ),
      answer.gaps && answer.gaps.length
        ? h("div", { class: "tier gap", id: "gaps" }, h("h4", {}, "责任空缺"), answer.gaps.map((g) => h("div", {}, `${g.unit_name || g.unit_id}：${g.finding}`)))
        : null,
    );
  } catch (error) {
    fill(map, failure(error));
  }
  try {
    const answer = await timelineAnswer;
    fill(
      timeline,
      answer.timeline.length
        ? table(holderColumns(), answer.timeline, { id: "timeline-table" })
        : h("p", { class: "hint" }, `${lbl("role", role)}：无记录`),
    );
  } catch (error) {
    fill(timeline, failure(error));
  }
  main.dataset.ready = "1";
}
