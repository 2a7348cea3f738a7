// 完整性: the latest signed checkpoint (a C2SP signed note: GET /v1/integrity/checkpoint) and
// its witnesses' cosignatures, and a button that checks in this browser, with WebCrypto,
// that the checkpoint is signed by the ledger's key and that an event is in its tree.
import { get } from "../lib/api.js";
import { failure, fill, fmt, h, loading } from "../lib/dom.js";
import { eventLink } from "../lib/event.js";
import { eventHash, leafHash, rootFromInclusionProof } from "../lib/merkle.js";
import { verifyCheckpointNote } from "../lib/note.js";
import { bj } from "../lib/time.js";

export async function render(main, params, { me }) {
  const facts = h("div", { id: "checkpoint" }, loading("读取检查点…"));
  const positionInput = h("input", { type: "number", min: 1, id: "proof-position", value: params.position || "" });
  const vkeyInput = h("input", { id: "vkey", size: 70, class: "mono", title: "可粘贴另行公布的验证密钥（vkey），以免只信任本页所示" });
  const verify = h("button", { type: "button", id: "verify-button" }, "在浏览器中验证");
  const result = h("div", { class: "verify-result", id: "verify-result", hidden: true });
  fill(
    main,
    h("h2", {}, "完整性"),
    facts,
    h("h3", {}, "验证某一事件已被签名检查点收录"),
    h(
      "p",
      { class: "hint" },
      "浏览器用 WebCrypto 完成全部计算，不依赖服务器的结论：以验证密钥核对检查点的 Ed25519 签名；取回该事件，重新计算其事件哈希与叶子哈希；沿默克尔包含证明算出根哈希，与签名检查点中的根比对。",
    ),
    h(
      "div",
      { class: "toolbar" },
      h("label", { class: "field" }, h("span", {}, "事件位置"), positionInput),
      h("label", { class: "field" }, h("span", {}, "验证密钥（vkey）"), vkeyInput),
      verify,
    ),
    result,
  );
  let checkpoint;
  try {
    checkpoint = await get("/v1/integrity/checkpoint");
  } catch (error) {
    fill(facts, failure(error));
    return;
  }
  const cosigned = checkpoint.cosignatures || [];
  fill(
    facts,
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "日志"), h("dd", { class: "mono" }, checkpoint.origin),
      h("dt", {}, "树大小"), h("dd", { id: "checkpoint-size" }, `${fmt(checkpoint.size)} 个事件`),
      h("dt", {}, "根哈希"), h("dd", { class: "mono", id: "checkpoint-root" }, checkpoint.root),
      h("dt", {}, "签发时间"), h("dd", {}, `${bj(checkpoint.timestamp, true)}（北京时间）`),
      h("dt", {}, "签名密钥"), h("dd", { class: "mono" }, `${checkpoint.key_name}（${checkpoint.key_id}）`),
      h("dt", {}, "验证密钥"), h("dd", { class: "mono", id: "checkpoint-vkey" }, checkpoint.vkey),
      h("dt", {}, "见证联署"),
      h("dd", { id: "cosignatures" }, cosigned.length ? cosigned.map((c) => h("div", {}, h("span", { class: "mono" }, `${c.name}（${c.key_id}）`), `，${bj(c.timestamp, true)}`)) : "暂无见证方联署"),
      h("dt", {}, "签名注记"), h("dd", {}, h("pre", { class: "mono raw" }, checkpoint.note)),
    ),
  );
  vkeyInput.value = checkpoint.vkey;
  const head = me.as_of.position;
  if (!positionInput.value) positionInput.value = String(await latestReadable(Math.min(checkpoint.size, head)));
  main.dataset.ready = "1";

  verify.addEventListener("click", async () => {
    result.hidden = false;
    fill(result, loading("验证中…"));
    try {
      fill(result, await check(Number(positionInput.value), checkpoint, vkeyInput.value));
    } catch (error) {
      fill(result, h("p", { class: "error", id: "verify-failed" }, `验证失败：${error.message}`));
    }
  });
}

/** The latest event this account may read, at or before ``head`` (a proof is given only for
 * those): a recent page of the log as the API filters it. */
async function latestReadable(head) {
  const page = await get("/v1/events", { after: Math.max(0, head - 1000), limit: 1000 });
  const mine = page.events.filter((e) => e.position <= head);
  return mine.length ? mine[mine.length - 1].position : head;
}

async function check(position, checkpoint, vkey) {
  const signed = await verifyCheckpointNote(checkpoint.note, vkey);
  const steps = [`检查点签名有效（${signed.signers.join("、")}）：日志 ${signed.origin}，大小 ${fmt(signed.size)}，根哈希 ${signed.root}`];
  if (!(position >= 1 && position <= signed.size)) throw new Error(`事件位置应在 1 至 ${signed.size} 之间`);
  const proof = await get(`/v1/integrity/proof/${position}`, { size: signed.size });
  const page = await get("/v1/events", { after: position - 1, limit: 1 });
  const event = page.events.find((e) => e.position === position);
  if (!event) throw new Error("该事件不在本账户可查看的范围内");
  const recomputed = await eventHash(event);
  if (recomputed !== event.hash || event.hash !== proof.event_hash) throw new Error(`事件哈希不符：由内容重新计算得 ${recomputed}`);
  steps.push(`事件哈希由其内容重新计算，一致：${recomputed}`);
  const leaf = await leafHash(recomputed);
  if (leaf !== proof.leaf_hash) throw new Error("叶子哈希不符");
  steps.push(`叶子哈希 SHA-256(0x00‖事件哈希)：${leaf}`);
  const root = await rootFromInclusionProof(position - 1, signed.size, leaf, proof.proof);
  steps.push(`沿 ${proof.proof.length} 个兄弟节点算得根哈希：${root}`);
  if (root !== signed.root) throw new Error(`算得的根哈希 ${root} 与签名检查点的根 ${signed.root} 不符`);
  return h(
    "div",
    {},
    h("p", { class: "ok", id: "verify-ok" }, `✔ 验证通过：位置 ${position} 的事件已被大小为 ${fmt(signed.size)} 的签名检查点收录。`),
    h("p", {}, "事件：", eventLink(event)),
    h("ol", {}, steps.map((s) => h("li", { class: "mono" }, s))),
  );
}
