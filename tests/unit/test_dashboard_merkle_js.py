"""The dashboard's in-browser checks (api/web/static/lib/merkle.js and note.js), run by
Node.js with the same WebCrypto the browser has: every valid RFC 6962 inclusion vector is
accepted and every invalid one refused, the README's event hash recomputes, and signed notes
(C2SP's and Go's examples, the ledger's own checkpoints) verify with their keys only."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.test_canonical import KNOWN_HASH

ROOT = Path(__file__).resolve().parents[2]
MERKLE_JS = ROOT / "api" / "web" / "static" / "lib" / "merkle.js"
VECTORS = ROOT / "tests" / "vectors" / "rfc6962" / "inclusion.json"

HARNESS = """
import { readFileSync } from "node:fs";
import { bytesToHex, eventHash, rootFromInclusionProof } from "%(module)s";
const hex = (b64) => bytesToHex(Buffer.from(b64 || "", "base64"));
const results = [];
for (const v of JSON.parse(readFileSync("%(vectors)s", "utf8"))) {
  let ok;
  try {
    const root = await rootFromInclusionProof(v.leafIdx, v.treeSize, hex(v.leafHash), (v.proof || []).map(hex));
    ok = root === hex(v.root);
  } catch (error) {
    ok = false;
  }
  results.push({ file: v.file, ok, want: !v.wantErr });
}
const known = await eventHash({
  position: 1, stream: "unit:371300", version: 1, type: "unit.registered",
  occurred_at: "2019-10-08T09:00:00+08:00", recorded_at: "2019-10-08T01:00:00.000000Z", actor: "cli:clerk",
  data: { unit_id: "371300", kind: "city", name: "临沂市" }, idempotency_key: null, prev_hash: "0".repeat(64),
});
console.log(JSON.stringify({ results, known }));
"""


def test_the_browsers_merkle_check_agrees_with_the_rfc_6962_vectors() -> None:
    """Valid vectors verify, invalid ones do not; the README's event hash recomputes."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required (it installs the dashboard's chart library too)", pytrace=False)
    script = HARNESS % {"module": MERKLE_JS.as_uri(), "vectors": VECTORS}
    done = subprocess.run(
        [node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=120, check=True
    )
    answer = json.loads(done.stdout)
    wrong = [r["file"] for r in answer["results"] if r["ok"] != r["want"]]
    assert wrong == []
    assert {r["want"] for r in answer["results"]} == {True, False}  # some of each
    assert answer["known"] == KNOWN_HASH


NOTE_JS = ROOT / "api" / "web" / "static" / "lib" / "note.js"
C2SP = ROOT / "tests" / "vectors" / "c2sp" / "vectors.json"

NOTE_HARNESS = """
import { readFileSync } from "node:fs";
import { verifyCheckpointNote, verifyNote } from "%(module)s";
import { eventHash } from "%(merkle)s";
const input = JSON.parse(readFileSync(0, "utf8"));
const outcome = async (check) => {
  try { return { ok: true, value: await check() }; } catch (e) { return { ok: false, error: e.message }; }
};
const c2sp = input.c2sp.signed_note.example, go = input.c2sp.go_sumdb_note;
console.log(JSON.stringify({
  c2sp: await outcome(() => verifyNote(c2sp.note, c2sp.vkey)),
  go: await outcome(() => verifyNote(go.text + "\\n" + go.signature_line, go.vkey)),
  goOther: await outcome(() => verifyNote(go.text + "\\n" + go.signature_line, go.other_vkey)),
  checkpoint: await outcome(() => verifyCheckpointNote(input.note, input.vkey)),
  altered: await outcome(() => verifyCheckpointNote(input.note.replace("\\n42\\n", "\\n43\\n"), input.vkey)),
  sealed: await eventHash(input.event),
}));
"""


def test_the_browsers_check_of_a_signed_checkpoint_agrees_with_c2sp_and_the_ledger() -> None:
    """lib/note.js accepts the C2SP and Go examples and a checkpoint the ledger's own code
    signs (reading its size and root), refuses a wrong key and an altered checkpoint; and an
    event shown with a personal field withheld still recomputes its hash from ``sealed``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.envelope import StoredEvent
    from ledger.note import sign_note, vkey

    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required (it installs the dashboard's chart library too)", pytrace=False)
    key = Ed25519PrivateKey.generate()
    root = bytes(range(32))
    text = f"duty-ledger/test\n42\n{base64.b64encode(root).decode()}\ntime 2019-12-05T07:20:00Z\n"
    stored = StoredEvent(
        7,
        "person:P-1",
        1,
        "person.registered",
        "2019-10-08T09:00:00+08:00",
        "2019-10-08T01:00:00.000000Z",
        "cli:clerk",
        {"person_id": "P-1", "name": "张三", "id_number": "sealed:v1:abc"},
        None,
        "0" * 64,
        "",
    )
    shown = {**stored.to_json(), "hash": stored.expected_hash()}
    shown["data"] = {**shown["data"], "id_number": {"withheld": True, "label": "已隐去"}}
    shown["sealed"] = {"id_number": "sealed:v1:abc"}
    given = {
        "c2sp": json.loads(C2SP.read_text(encoding="utf-8")),
        "note": sign_note(text, "duty-ledger/test", key),
        "vkey": vkey("duty-ledger/test", key.public_key()),
        "event": shown,
    }
    script = NOTE_HARNESS % {"module": NOTE_JS.as_uri(), "merkle": MERKLE_JS.as_uri()}
    done = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(given),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert answer["c2sp"]["ok"], answer["c2sp"]
    assert answer["go"]["ok"], answer["go"]
    assert not answer["goOther"]["ok"]
    assert answer["checkpoint"]["value"]["size"] == 42
    assert answer["checkpoint"]["value"]["root"] == root.hex()
    assert answer["checkpoint"]["value"]["signers"] == ["duty-ledger/test"]
    assert answer["altered"] == {"ok": False, "error": "签名无效：注记内容与签名不符"}
    assert answer["sealed"] == stored.expected_hash()
