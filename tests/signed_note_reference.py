"""An independent verifier of C2SP signed notes, written from the specifications alone.

Nothing here imports the ledger: Ed25519 verification follows RFC 8032 §5.1.7 (its Python
reference, pure integers and hashlib), note parsing follows https://c2sp.org/signed-note and
cosignatures https://c2sp.org/tlog-cosignature. Tests check the ledger's notes with it, so
that a bug shared by ``ledger/note.py`` and the ``cryptography`` package cannot hide.
Slow (a few milliseconds a signature) and meant for tests only.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["ed25519_verify", "verify_cosignature", "verify_note_signature"]

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    return _P - x if (x & 1) != sign else x


def _add(a: Point, b: Point) -> Point:
    e1 = (a[1] - a[0]) * (b[1] - b[0]) % _P
    e2 = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = e2 - e1, d - c, d + c, e2 + e1
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _mul(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _equal(a: Point, b: Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _decompress(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
assert _GX is not None
_G: Point = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 §5.1.7: is ``signature`` by ``public_key`` (32 raw bytes) over ``message``?"""
    if len(signature) != 64:
        return False
    a, r = _decompress(public_key), _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


def _split(note: bytes) -> tuple[bytes, list[bytes]]:
    """The text (final newline included) and the signature lines, split at the last blank line."""
    cut = note.rindex(b"\n\n")
    return note[: cut + 1], note[cut + 2 :].split(b"\n")[:-1]


def _signatures(note: bytes, name: str, public_key: bytes, kind: int) -> tuple[bytes, list[bytes]]:
    """The note's text and the raw signatures whose line names ``name`` with its key id."""
    text, lines = _split(note)
    key_id = hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]
    found = []
    for line in lines:
        prefix = "\u2014 ".encode()
        assert line.startswith(prefix), line
        signer, _, encoded = line[len(prefix) :].partition(b" ")
        blob = base64.b64decode(encoded, validate=True)
        if signer == name.encode() and blob[:4] == key_id:
            found.append(blob[4:])
    return text, found


def verify_note_signature(note: bytes, name: str, public_key: bytes) -> bool:
    """Does ``note`` carry a valid Ed25519 (type 0x01) signature by ``name`` with this key?"""
    text, found = _signatures(note, name, public_key, 0x01)
    return bool(found) and all(ed25519_verify(public_key, text, signature) for signature in found)


def verify_cosignature(note: bytes, name: str, public_key: bytes) -> int | None:
    """The time of ``name``'s valid timestamped cosignature (type 0x04) on the note, or None."""
    text, found = _signatures(note, name, public_key, 0x04)
    for blob in found:
        timestamp = int.from_bytes(blob[:8], "big")
        message = b"cosignature/v1\ntime %d\n" % timestamp + text
        if len(blob) == 72 and ed25519_verify(public_key, message, blob[8:]):
            return timestamp
    return None
