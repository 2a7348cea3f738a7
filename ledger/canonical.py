"""Canonical bytes of an event, defined once: RFC 8785 (JSON Canonicalization Scheme).

JCS is implemented in many languages, so an outside verifier can recompute every hash:
object keys sorted by their UTF-16 code units, no insignificant white space, strings
escaped minimally (``"``, ``\\``, and control characters only) and written as UTF-8,
numbers as ECMAScript writes them. The envelope admits only integers within ±(2**53 − 1)
and finite floats, so every number survives that round trip.

orjson with sorted keys produces exactly these bytes whenever no float and no key outside
the Basic Multilingual Plane occurs (the common case, and the fast path); the small
serialiser below handles the rest.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

import orjson

__all__ = ["GENESIS_HASH", "canonical_bytes", "canonical_envelope", "chain_hash", "is_safe_integer"]

#: ``prev_hash`` of the event at position 1
GENESIS_HASH = "0" * 64

MAX_SAFE_INTEGER = 2**53 - 1
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def is_safe_integer(value: int) -> bool:
    return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def canonical_bytes(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    if _plain(value):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return _jcs(value).encode("utf-8")


def canonical_envelope(fields: dict[str, str | int | None], data: bytes) -> bytes:
    """An object of plain fields (ASCII keys; strings, safe integers, null) and a ``data``
    member whose canonical bytes are already known.

    The same bytes as ``canonical_bytes`` of the whole object, in one call to orjson and
    without serialising ``data`` again: an event's data is canonicalised once, for its
    fingerprint and its hash alike.
    """
    return orjson.dumps({**fields, "data": orjson.Fragment(data)}, option=orjson.OPT_SORT_KEYS)


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """``hash = SHA-256(prev_hash ‖ canonical bytes)``, prev_hash as its 32 raw bytes; hex out."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()


def _plain(value: Any) -> bool:
    """True when orjson's sorted output is already canonical (no floats, BMP-only keys)."""
    if type(value) is not dict and type(value) is not list:
        return type(value) is not float
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        members: Iterable[Any] = item
        if type(item) is dict:
            keys = "".join(item)
            if not keys.isascii() and _ASTRAL.search(keys):
                return False
            members = item.values()
        for member in members:
            kind = type(member)
            if kind is dict or kind is list:
                stack.append(member)
            elif kind is float:
                return False
    return True


def _jcs(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(_string(k) + ":" + _jcs(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    return orjson.dumps(value).decode()  # int, bool, None


def _string(text: str) -> str:
    return orjson.dumps(text).decode()  # orjson escapes exactly as JSON.stringify does


def _number(value: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3)."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("NaN and infinities are not JSON")
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    sign = "-" if value < 0 else ""
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0") or "0"
    # n: the position of the decimal point relative to the digits (ECMAScript's "n")
    point = len(whole) + (int(exp_text) if exp_text else 0)
    if whole == "0":  # 0.000123: the leading zeros of the fraction move the point left
        point = (int(exp_text) if exp_text else 0) - (len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * (-point) + digits
    exponent = point - 1
    exp = ("+" if exponent > 0 else "-") + str(abs(exponent))
    return sign + digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + exp
