// Checking in the browser, with WebCrypto's Ed25519, the ledger's signed checkpoint: a C2SP
// signed note (C2SP signed-note) whose text is a C2SP tlog-checkpoint (origin,
// tree size, base64 root hash, then extension lines), signed with the key a verifier key
// ("vkey": name+<8 hex key id>+<base64(0x01 ‖ public key)>) names. docs/integrity.md.
import { bytesToHex } from "./merkle.js";

const ED25519 = 1;
const encoder = new TextEncoder();

function base64ToBytes(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The note's text (its final newline included) and its signature lines: the text may hold
 * blank lines itself, the signatures follow the last one. */
export function parseNote(note) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Error("不是签名注记（缺少空行或结尾换行）");
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split("\n")
    .map((line) => {
      const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!match) throw new Error(`签名行格式错误：${line}`);
      const bytes = base64ToBytes(match[2]);
      return { name: match[1], keyId: bytesToHex(bytes.slice(0, 4)), signature: bytes.slice(4) };
    });
  return { text, signatures };
}

/** A checkpoint's text: {origin, size, root (hex), extensions}. */
export function parseCheckpoint(text) {
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3 || !/^[0-9]+$/.test(lines[1])) throw new Error("检查点正文格式错误");
  const root = base64ToBytes(lines[2]);
  if (root.length !== 32) throw new Error("检查点的根哈希应为 32 字节");
  return { origin: lines[0], size: Number(lines[1]), root: bytesToHex(root), extensions: lines.slice(3) };
}

/** A verifier key: {name, keyId (hex), publicKey (32 bytes)}. */
export async function parseVkey(vkey) {
  // the name holds no "+", the key id is 8 hex digits; the base64 key may hold "+"
  const [, name, keyId, key] = /^([^+]*)\+([^+]*)\+(.*)$/.exec(vkey.trim()) || [];
  const bytes = key ? base64ToBytes(key) : new Uint8Array();
  if (!name || !/^[0-9a-f]{8}$/.test(keyId || "") || bytes.length !== 33 || bytes[0] !== ED25519) {
    throw new Error("验证密钥格式错误（应为 名称+8位十六进制+base64 公钥）");
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", concat(encoder.encode(`${name}\n`), bytes)));
  if (bytesToHex(digest.slice(0, 4)) !== keyId) throw new Error("验证密钥的密钥编号与公钥不符");
  return { name, keyId, publicKey: bytes.slice(1) };
}

/** Check that ``note`` carries a valid Ed25519 signature by the key ``vkey`` names; returns
 * its text and the names of all who signed it. Throws (in Chinese) when it does not. */
export async function verifyNote(note, vkey) {
  const key = await parseVkey(vkey);
  const { text, signatures } = parseNote(note);
  const mine = signatures.find((s) => s.name === key.name && s.keyId === key.keyId);
  if (!mine) throw new Error(`注记上没有密钥 ${key.name}（${key.keyId}）的签名`);
  const publicKey = await crypto.subtle.importKey("raw", key.publicKey, { name: "Ed25519" }, false, ["verify"]);
  const valid = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, mine.signature, encoder.encode(text));
  if (!valid) throw new Error("签名无效：注记内容与签名不符");
  return { text, signers: signatures.map((s) => s.name) };
}

/** A checkpoint note checked with ``vkey``: the checkpoint it states, and who signed it. */
export async function verifyCheckpointNote(note, vkey) {
  const { text, signers } = await verifyNote(note, vkey);
  return { ...parseCheckpoint(text), signers };
}
