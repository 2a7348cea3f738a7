"""The log as a Merkle tree, in the style of RFC 9162 §2.1 (Certificate Transparency v2).

Hashing (SHA-256 throughout)::

    leaf hash  = SHA-256(0x00 ‖ leaf input)
    node hash  = SHA-256(0x01 ‖ left ‖ right)
    empty tree = SHA-256("")

In the ledger the leaf input of the event at position p (leaf index p − 1) is the 32 raw
bytes of its chain ``hash``, so ``event_leaf_hash(event.hash)`` is what goes into the tree.
The tree of the first n leaves splits at k, the largest power of two smaller than n:
``MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))``.

``MerkleLog`` keeps the leaf hashes of a growing log in memory (32 bytes a leaf, in one
bytearray) and caches the hash of every complete, aligned subtree of 2**4 leaves and more
(about 4 more bytes a leaf). Any subtree of the RFC's recursion is then a handful of cached
hashes plus at most 15 hashes of the small ones below the cache, so ``root(size)``,
``inclusion_proof`` and ``consistency_proof`` cost O(log n) hashes for any historical size.

The verifiers ``verify_inclusion`` and ``verify_consistency`` need nothing but hashes; they
follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and answer False, never raise, on a
malformed proof. docs/integrity.md describes the same for outside verifiers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleLog",
    "combine",
    "complete_subtrees",
    "consistency_ranges",
    "event_leaf_hash",
    "fold_complete",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "proof_from_hex",
    "proof_to_hex",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
#: root hash of the tree of no leaves (RFC 9162 §2.1.1)
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: lowest cached level: subtrees of 2**_CACHE_FROM leaves and up are cached. Below it a
#: subtree is rehashed from its leaves on demand (≤ 15 hashes), which saves 28 of the 32
#: bytes a leaf that caching every level would cost.
_CACHE_FROM = 4
_BLOCK_MASK = (1 << _CACHE_FROM) - 1
_BLOCK_BYTES = HASH_SIZE << _CACHE_FROM
#: ``extend`` copies at most this much at a time (2 MiB, 65,536 leaves)
_CHUNK_BYTES = HASH_SIZE << 16


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf_hash(event_hash: str) -> bytes:
    """The leaf hash of an event: its 64-hex chain ``hash`` taken as 32 raw bytes."""
    raw = bytes.fromhex(event_hash)
    if len(raw) != HASH_SIZE:
        raise ValueError(f"an event hash is {HASH_SIZE} bytes (64 hex digits), got {len(raw)}")
    return leaf_hash(raw)


def proof_to_hex(proof: Sequence[bytes]) -> list[str]:
    """A proof as JSON carries it: a list of lower-case hex strings."""
    return [item.hex() for item in proof]


def proof_from_hex(items: Sequence[str]) -> list[bytes]:
    """The inverse of ``proof_to_hex``; ValueError on anything but 64-hex strings."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise ValueError("a proof is a list of hex strings")
    proof = [bytes.fromhex(item) if isinstance(item, str) else b"" for item in items]
    if any(len(item) != HASH_SIZE for item in proof):
        raise ValueError(f"every proof element is {HASH_SIZE} bytes (64 hex digits)")
    return proof


def fold_complete(row: bytes | bytearray | memoryview) -> bytes:
    """The root of a complete subtree given its 2**k hashes concatenated.

    Adjacent hashes already lie side by side as ``left ‖ right``, so each node is one
    SHA-256 of 0x01 and a 64-byte slice: no per-node concatenation of separate objects.
    """
    sha256 = hashlib.sha256
    while len(row) > HASH_SIZE:
        row = b"".join(
            [sha256(b"\x01" + row[i : i + 2 * HASH_SIZE]).digest() for i in range(0, len(row), 2 * HASH_SIZE)]
        )
    return bytes(row)


def _split(n: int) -> int:
    """k of RFC 9162 §2.1.1: the largest power of two strictly smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleLog:
    """An append-only Merkle tree over leaf hashes, with roots and proofs for any past size.

    One writer appends; readers may ask about any ``size`` up to ``len(self)``. A size
    already published never changes meaning: everything it reads is immutable.
    """

    __slots__ = ("_leaves", "_levels", "_size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._leaves = bytearray()
        #: ``_levels[d]`` holds the complete subtrees of level ``_CACHE_FROM + d`` in order
        self._levels: list[bytearray] = []
        self._size = 0
        self.extend(leaf_hashes)

    @classmethod
    def from_event_hashes(cls, event_hashes: Iterable[str]) -> MerkleLog:
        """The tree of a log given its events' hex ``hash`` values, in position order."""
        return cls(event_leaf_hash(h) for h in event_hashes)

    def __len__(self) -> int:
        return self._size

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> int:
        """Add one leaf hash (already ``leaf_hash``-ed); return its 0-based index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
        index = self._size
        leaves = self._leaves
        leaves += leaf
        if index & _BLOCK_MASK == _BLOCK_MASK:
            self._carry(0, fold_complete(leaves[-_BLOCK_BYTES:]))
        # Published last, so that a reader of the new size finds its caches complete.
        self._size = index + 1
        return index

    def append_event_hash(self, event_hash: str) -> int:
        """Add the event whose chain ``hash`` is given; return its leaf index (position − 1)."""
        return self.append(event_leaf_hash(event_hash))

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes: the same result as ``append`` one by one, faster.

        Leaves go in chunks (a bound on the temporary copy); each chunk is published whole.
        """
        chunk = bytearray()
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
            chunk += leaf
            if len(chunk) >= _CHUNK_BYTES:
                self._append_chunk(chunk)
                chunk = bytearray()
        self._append_chunk(chunk)

    def leaf(self, index: int) -> bytes:
        """The leaf hash at ``index``."""
        self._check_index(index, self._size)
        return self._leaf(index)

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree of the first ``size`` leaves (default: all)."""
        size = self._check_size(size)
        return self._subtree(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[size]): the audit path, leaf side first."""
        size = self._check_size(size)
        self._check_index(index, size)
        return [self._subtree(lo, hi) for lo, hi in inclusion_ranges(index, size)]

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(size1, D[size2]); empty when the sizes are equal.

        ValueError when size1 is 0 (nothing to prove, and verifiers refuse it) or exceeds size2.
        """
        size2 = self._check_size(size2)
        return [self._subtree(lo, hi) for lo, hi in consistency_ranges(size1, size2)]

    # -- internals -------------------------------------------------------------------------

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= self._size:
            raise ValueError(f"tree size must be within 0..{self._size}, got {size!r}")
        return size

    @staticmethod
    def _check_index(index: int, size: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise IndexError(f"leaf index must be within 0..{size - 1}, got {index!r}")

    def _leaf(self, index: int) -> bytes:
        return bytes(self._leaves[index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _append_chunk(self, chunk: bytearray) -> None:
        leaves, start = self._leaves, self._size
        leaves += chunk
        end = start + len(chunk) // HASH_SIZE
        # every block of 2**_CACHE_FROM leaves completed by this chunk, in order
        for block in range((start >> _CACHE_FROM) + 1, (end >> _CACHE_FROM) + 1):
            offset = block * _BLOCK_BYTES
            self._carry(0, fold_complete(leaves[offset - _BLOCK_BYTES : offset]))
        # Published last, so that a reader of the new size finds its caches complete.
        self._size = end

    def _carry(self, depth: int, digest: bytes) -> None:
        """Store a newly completed subtree; like a binary counter, a completed pair makes its parent."""
        while True:
            if depth == len(self._levels):
                self._levels.append(bytearray())
            level = self._levels[depth]
            level += digest
            if len(level) // HASH_SIZE % 2:
                return
            digest = fold_complete(level[-2 * HASH_SIZE :])
            depth += 1

    def _small(self, level: int, index: int) -> bytes:
        """A complete subtree of at most 2**_CACHE_FROM leaves, rehashed from its leaves."""
        start = (index << level) * HASH_SIZE
        return fold_complete(self._leaves[start : start + (HASH_SIZE << level)])

    def _complete(self, level: int, index: int) -> bytes:
        """The complete subtree of 2**level leaves starting at leaf ``index << level``."""
        if level < _CACHE_FROM:
            return self._small(level, index)
        cached = self._levels[level - _CACHE_FROM]
        return bytes(cached[index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a subtree of the RFC's recursion."""
        return combine([self._complete(level, index) for level, index in complete_subtrees(lo, hi)])


# -- which subtrees a root or a proof is made of ----------------------------------------------


def complete_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """A subtree of the RFC's recursion, D[lo:hi] (lo aligned to hi − lo's top bit), as the
    complete subtrees it is made of: one ``(level, index)`` per set bit of its width, largest
    first; ``(level, index)`` is the 2**level leaves from ``index << level``."""
    parts: list[tuple[int, int]] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        parts.append((level, lo >> level))
        lo += 1 << level
    return parts


def combine(parts: Sequence[bytes]) -> bytes:
    """The hash of a run of complete subtrees (``complete_subtrees`` order): the RFC's
    recursion combines them from the right."""
    digest = parts[-1]
    for part in reversed(parts[:-1]):
        digest = node_hash(part, digest)
    return digest


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The subtrees D[lo:hi] whose hashes make PATH(index, D[size]), leaf side first."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    # Walk down from the root, keeping the sibling of each subtree the leaf is in; the RFC
    # lists them bottom-up, hence the reverse at the end.
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo = mid
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The subtrees D[lo:hi] whose hashes make PROOF(size1, D[size2]); none for equal sizes.

    ValueError unless 0 < size1 <= size2."""
    if not 0 < size1 <= size2:
        raise ValueError(f"a consistency proof needs 0 < size1 <= size2, got {size1} and {size2}")
    ranges: list[tuple[int, int]] = []
    lo, hi, whole = 0, size2, True
    # SUBPROOF(m, D[lo:hi], whole) unrolled: descend towards the old tree's last leaf;
    # ``whole`` turns False once the old tree is no longer a subtree of the new one.
    while size1 != hi:
        mid = lo + _split(hi - lo)
        if size1 <= mid:
            ranges.append((mid, hi))
            hi = mid
        else:
            ranges.append((lo, mid))
            lo, whole = mid, False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


# -- verifiers: hashes in, True or False out -------------------------------------------------


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _hashes(proof: object) -> list[bytes] | None:
    """The proof as a list of 32-byte hashes, or None when it is anything else."""
    if isinstance(proof, (bytes, bytearray, str)) or not isinstance(proof, Sequence):
        return None
    items = list(proof)
    return items if all(_is_hash(item) for item in items) else None


def _same(a: object, b: object) -> bool:
    # constant time, although every input here is public: a habit worth keeping
    return isinstance(a, bytes) and isinstance(b, bytes) and hmac.compare_digest(a, b)


def _shift_to_set_bit(fn: int, sn: int) -> tuple[int, int]:
    """Right-shift fn and sn together until fn's lowest bit is set or fn is 0."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: is the leaf hash at ``index`` of the tree of ``size`` with this root?"""
    path = _hashes(proof)
    if path is None or not (_is_hash(leaf_hash) and _is_hash(root) and _is_count(index) and _is_count(size)):
        return False
    if index >= size:  # step 1
        return False
    fn, sn, r = index, size - 1, leaf_hash  # steps 2, 3
    for p in path:  # step 4
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_to_set_bit(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and _same(r, root)  # step 5


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree (size1, root1) a prefix of the tree (size2, root2)?

    Equal sizes need an empty proof and equal roots (the empty tree's root for size 0). A
    first size of 0 is refused: the RFC's algorithm requires 0 < size1, and such a "proof"
    would prove nothing about root2.
    """
    path = _hashes(proof)
    if path is None or not (_is_count(size1) and _is_count(size2)) or size1 > size2:
        return False
    if size1 == size2:
        expected = EMPTY_ROOT if size1 == 0 else root1
        return not path and _same(root1, expected) and _same(root2, expected)
    if size1 == 0 or not path or not (_is_hash(root1) and _is_hash(root2)):  # step 1
        return False
    if size1 & (size1 - 1) == 0:  # step 2: size1 is a power of two
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_to_set_bit(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and _same(fr, root1) and _same(sr, root2)  # step 7
