// The columns of a role holder (responsibility map, timeline, accountability chain).
import { h } from "./dom.js";
import { eventLinks } from "./event.js";
import { shown } from "./labels.js";
import { bj } from "./time.js";

export function holderColumns() {
  return [
    { title: "角色", cell: (x) => h("span", { class: "tag" }, shown(x, "role", "role")) },
    { title: "责任人", cell: (x) => [x.holder_name || x.holder, x.holder_title ? h("div", { class: "hint" }, x.holder_title) : null, members(x.members)] },
    { title: "自", cell: (x) => bj(x.valid_from_text || x.valid_from) },
    { title: "至", cell: (x) => (x.valid_to || x.valid_to_text ? bj(x.valid_to_text || x.valid_to) : "至今") },
    { title: "依据 / 更正", cell: (x) => [x.basis || "", x.correction_reason ? h("div", { class: "hint" }, `更正：${x.correction_reason}`) : null] },
    { title: "事件", cell: (x) => eventLinks(x.events) },
  ];
}

/** A covering work group's leader, deputies and members at the same moment. */
function members(list) {
  if (!list || !list.length) return null;
  return h("div", { class: "hint" }, list.map((m) => `${shown(m, "role", "role")} ${m.holder_name || m.holder}`).join("；"));
}
