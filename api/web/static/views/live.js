// 实时: the log's live tail, over Server-Sent Events (/v1/events/stream), in the
// jurisdiction of the signed-in account (the API filters it).
import { fill, h } from "../lib/dom.js";
import { eventLink } from "../lib/event.js";
import { choices, lbl } from "../lib/labels.js";
import { bj } from "../lib/time.js";

const KEEP = 200;
const BACKLOG = 2000;

export async function render(main, params, { me }) {
  const status = h("span", { class: "tag", id: "live-status" }, "连接中…");
  const rows = h("tbody", { id: "live-rows" });
  fill(
    main,
    h("h2", {}, "实时"),
    h("p", {}, status, h("span", { class: "hint" }, ` 显示本辖区最近的事件，新事件到达即出现在最上方（最近 ${BACKLOG} 个位置起）。`)),
    h("div", { class: "live-list" },
      h("table", { id: "live" }, h("thead", {}, h("tr", {}, ["位置", "事件", "流", "发生时间", "记录时间", "记录者"].map((t) => h("th", {}, t)))), rows),
    ),
  );
  const after = Math.max(0, (me.as_of.position || 0) - BACKLOG);
  const source = new EventSource(`/v1/events/stream?after=${after}`);
  source.onopen = () => {
    status.textContent = "已连接";
    status.className = "tag good";
  };
  source.onerror = () => {
    status.textContent = "连接中断，正在重连…";
    status.className = "tag bad";
  };
  const add = (message) => {
    const e = JSON.parse(message.data);
    rows.prepend(
      h("tr", { dataset: { position: e.position } },
        h("td", {}, eventLink(e)),
        h("td", {}, lbl("event_type", e.type)),
        h("td", { class: "mono" }, e.stream),
        h("td", {}, bj(e.occurred_at)),
        h("td", {}, bj(e.recorded_at, true)),
        h("td", { class: "hint" }, e.actor),
      ),
    );
    while (rows.children.length > KEEP) rows.lastElementChild.remove();
    main.dataset.ready = "1";
  };
  // each frame is named by its event type (SSE "event:"): listen to every type of the catalogue
  for (const [type] of choices("event_type")) source.addEventListener(type, add);
  const quiet = setTimeout(() => (main.dataset.ready = "1"), 3000);
  return () => {
    clearTimeout(quiet);
    source.close();
  };
}
