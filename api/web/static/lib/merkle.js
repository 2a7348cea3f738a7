// Checking in the browser, with WebCrypto's SHA-256, that an event is in the signed log:
// the event's hash recomputes from its canonical bytes (README: "Verifying the chain"), its
// leaf hash is SHA-256(0x00 ‖ hash), and the inclusion proof leads from the leaf to the
// checkpoint's root (RFC 9162 §2.1.3.2; node = SHA-256(0x01 ‖ left ‖ right)). The
// checkpoint itself is checked by lib/note.js.

export function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

export function bytesToHex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

export async function leafHash(eventHashHex) {
  return bytesToHex(await sha256(new Uint8Array([0]), hexToBytes(eventHashHex)));
}

/** RFC 9162 §2.1.3.2: the root that ``proof`` leads to from leaf ``index`` in a tree of ``size``. */
export async function rootFromInclusionProof(index, size, leafHex, proofHex) {
  if (index >= size) throw new Error("叶子序号超出树的大小");
  if (![leafHex, ...proofHex].every((h) => /^[0-9a-f]{64}$/.test(h))) throw new Error("哈希应为 32 字节");
  let fn = index;
  let sn = size - 1;
  let r = hexToBytes(leafHex);
  const node = new Uint8Array([1]);
  for (const p of proofHex.map(hexToBytes)) {
    if (sn === 0) throw new Error("证明路径过长");
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(node, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(node, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("证明路径过短");
  return bytesToHex(r);
}

/** RFC 8785 (JCS) for the values the ledger admits (JSON.stringify already writes numbers
 * and strings as JCS does; keys sorted by UTF-16 code units). */
export function canonical(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
    .join(",")}}`;
}

const HASHED = ["actor", "data", "idempotency_key", "occurred_at", "position", "recorded_at", "stream", "type", "version"];

/** The data as hashed: an answer shows a personal field in the clear, withheld or erased,
 * and gives its stored (sealed) text in ``sealed`` ({"path/in/data": text}). */
function storedData(data, sealed) {
  if (!sealed) return data;
  const copy = structuredClone(data);
  for (const [pointer, text] of Object.entries(sealed)) {
    const path = pointer.split("/");
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key];
    node[path[path.length - 1]] = text;
  }
  return copy;
}

/** The event's hash recomputed: SHA-256(prev_hash ‖ canonical bytes of its fields). */
export async function eventHash(envelope) {
  const stored = { ...envelope, data: storedData(envelope.data, envelope.sealed) };
  const body = Object.fromEntries(HASHED.map((k) => [k, stored[k] === undefined ? null : stored[k]]));
  return bytesToHex(await sha256(hexToBytes(envelope.prev_hash), new TextEncoder().encode(canonical(body))));
}
