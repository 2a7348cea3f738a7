"""The dashboard's in-browser check (api/web/static/lib/merkle.js), run by Node.js with the
same WebCrypto the browser has: it accepts every valid RFC 6962 inclusion vector and rejects
every invalid one, and recomputes the known event hash the README quotes."""

from __future__ import annotations

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
