// Each link of a chain opens the event it rests on: position, hash and the raw envelope,
// read back from the log itself (/v1/events?after=<position-1>&limit=1).
import { get } from "./api.js";
import { fill, h } from "./dom.js";
import { lbl } from "./labels.js";
import { bj } from "./time.js";

let dialog = null;

function panel() {
  if (!dialog) {
    dialog = h("dialog", { class: "event-panel", id: "event-panel" });
    document.body.append(dialog);
  }
  return dialog;
}

/** A small button "#123456" that opens the event at ``position``. */
export function eventLink(cited) {
  const text = `#${cited.position}`;
  const title = cited.type ? `${lbl("event_type", cited.type)}（位置 ${cited.position}）` : `位置 ${cited.position}`;
  return h("button", { type: "button", class: "event-link", title, dataset: { position: cited.position }, onclick: () => openEvent(cited.position) }, text);
}

export function eventLinks(events) {
  return (events || []).map(eventLink);
}

export async function openEvent(position) {
  const box = panel();
  const close = h("button", { type: "button", class: "close", onclick: () => box.close() }, "关闭");
  fill(box, h("h3", {}, `事件 #${position}`), h("p", { class: "loading" }, "读取中…"), close);
  if (!box.open) box.showModal();
  try {
    const page = await get("/v1/events", { after: position - 1, limit: 1 });
    const event = page.events.find((e) => e.position === position);
    if (!event) {
      fill(box, h("h3", {}, `事件 #${position}`), h("p", { class: "error" }, "该事件不在本账户可查看的范围内"), close);
      return;
    }
    fill(
      box,
      h("h3", {}, `${lbl("event_type", event.type)}（${event.type}）`),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "位置"), h("dd", { class: "mono" }, String(event.position)),
        h("dt", {}, "哈希"), h("dd", { class: "mono event-hash" }, event.hash),
        h("dt", {}, "前一哈希"), h("dd", { class: "mono" }, event.prev_hash),
        h("dt", {}, "发生时间"), h("dd", {}, bj(event.occurred_at, true)),
        h("dt", {}, "记录时间"), h("dd", {}, bj(event.recorded_at, true)),
        h("dt", {}, "记录者"), h("dd", {}, event.actor),
      ),
      h("h4", {}, "原始事件（JSON）"),
      h("pre", { class: "raw" }, JSON.stringify(event, null, 2)),
      close,
    );
  } catch (error) {
    fill(box, h("h3", {}, `事件 #${position}`), h("p", { class: "error" }, `读取失败：${error.message}`), close);
  }
}
