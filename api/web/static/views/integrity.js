// 完整性: the latest signed checkpoint (and its witnesses, when the ledger has them), and a
// button that checks in this browser, with WebCrypto, that an event is in the signed log.
import { get } from "../lib/api.js";
import { failure, fill, fmt, h, loading } from "../lib/dom.js";
import { eventLink } from "../lib/event.js";
import { checkpointRoot, checkpointSize, eventHash, leafHash, rootFromInclusionProof } from "../lib/merkle.js";
import { bj } from "../lib/time.js";

export async function render(main, params, { me }) {
  const facts = h("div", { id: "checkpoint" }, loading("读取检查点…（首次读取需要构建默克尔树）"));
  const positionInput = h("input", { type: "number", min: 1, id: "proof-position", value: params.position || "" });
  const verify = h("button", { type: "button", id: "verify-button" }, "在浏览器中验证");
  const result = h("div", { class: "verify-result", id: "verify-result", hidden: true });
  fill(
    main,
    h("h2", {}, "完整性"),
    facts,
    h("h3", {}, "验证某一事件已被检查点收录"),
    h("p", { class: "hint" }, "浏览器取回该事件、其默克尔包含证明和检查点，用 WebCrypto SHA-256 重新计算事件哈希、叶子哈希和根哈希，并与签名检查点中的根比对；不依赖服务器的结论。"),
    h("div", { class: "toolbar" }, h("label", { class: "field" }, h("span", {}, "事件位置"), positionInput), verify),
    result,
  );
  let checkpoint;
  try {
    checkpoint = await get("/v1/integrity/checkpoint");
  } catch (error) {
    fill(facts, failure(error));
    return;
  }
  const size = checkpointSize(checkpoint);
  const witnesses = checkpoint.witnesses || checkpoint.cosignatures || [];
  fill(
    facts,
    h("dl", { class: "facts" },
      h("dt", {}, "树大小"), h("dd", { id: "checkpoint-size" }, `${fmt(size)} 个事件`),
      h("dt", {}, "根哈希"), h("dd", { class: "mono", id: "checkpoint-root" }, checkpointRoot(checkpoint)),
      h("dt", {}, "签发时间"), h("dd", {}, bj(checkpoint.timestamp, true)),
      h("dt", {}, "签名密钥"), h("dd", { class: "mono" }, checkpoint.key_id || "—"),
      h("dt", {}, "签名"), h("dd", { class: "mono" }, checkpoint.signature || "—"),
      h("dt", {}, "见证"), h("dd", {}, witnesses.length ? witnesses.map((w) => h("div", { class: "mono" }, w.name || w.key_id || JSON.stringify(w))) : "暂无见证方联署"),
      h("dt", {}, "公钥"), h("dd", {}, h("pre", { class: "mono" }, checkpoint.public_key || "—")),
    ),
  );
  if (!positionInput.value) positionInput.value = String(await latestReadable(Math.min(size, me.position || size)));
  main.dataset.ready = "1";

  verify.addEventListener("click", async () => {
    const position = Number(positionInput.value);
    result.hidden = false;
    fill(result, loading("验证中…"));
    try {
      fill(result, await check(position, size, checkpoint));
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

async function check(position, size, checkpoint) {
  const proof = await get(`/v1/integrity/proof/${position}`, { size });
  const page = await get("/v1/events", { after: position - 1, limit: 1 });
  const event = page.events.find((e) => e.position === position);
  const steps = [];
  let eventHashHex = proof.event_hash;
  if (event) {
    const recomputed = await eventHash(event);
    if (recomputed !== event.hash || event.hash !== proof.event_hash) throw new Error(`事件哈希不符：重新计算得 ${recomputed}`);
    steps.push(`事件哈希由其内容重新计算，一致：${recomputed}`);
    eventHashHex = recomputed;
  } else {
    steps.push("该事件不在本账户可查看的范围内：使用证明所给的事件哈希");
  }
  const leaf = await leafHash(eventHashHex);
  if (leaf !== proof.leaf_hash) throw new Error("叶子哈希不符");
  steps.push(`叶子哈希 SHA-256(0x00‖事件哈希)：${leaf}`);
  const root = await rootFromInclusionProof(proof.leaf_index, proof.size, leaf, proof.proof);
  steps.push(`沿 ${proof.proof.length} 个兄弟节点算得根哈希：${root}`);
  const expected = checkpointRoot(checkpoint);
  if (root !== expected) throw new Error(`根哈希 ${root} 与检查点的根 ${expected} 不符`);
  return h("div", {},
    h("p", { class: "ok", id: "verify-ok" }, `✔ 验证通过：位置 ${position} 的事件已被大小为 ${fmt(proof.size)} 的签名检查点收录。`),
    h("p", {}, "事件：", event ? eventLink(event) : `#${position}`),
    h("ol", {}, steps.map((s) => h("li", { class: "mono" }, s))),
  );
}
