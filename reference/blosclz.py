"""BloscLZ streams (the LZ77 variant behind c-blosc2's built-in ``BLOSCLZ`` codec): decoder and encoder.

Stream format, one instruction after another, each starting with a control byte ``c``:

* literal run (``c < 32``): the next ``c + 1`` bytes are copied to the output;
* match (``c >= 32``): ``n = (c >> 5) - 1``; when ``n == 6`` extension bytes follow and are
  added to ``n`` until one differs from 255.  Then a distance byte ``d`` follows and the match
  copies ``n + 3`` bytes from ``(c & 31) * 256 + d + 1`` bytes back (overlaps allowed: a
  distance shorter than the length repeats the pattern).  ``d == 255`` with ``c & 31 == 31``
  escapes to a far match: two big-endian bytes ``f`` follow and the distance is ``f + 8192``.

The first control byte carries a format marker in its top three bits and is always a literal
run.  A match must be followed by another instruction (c-blosc2 stops before copying a match
that ends the stream), so a well-formed stream ends with a literal run.

Every instruction is executed with one slice operation on a ``bytearray``, so the Python cost
is per instruction, not per byte.

:func:`compress` makes the choices c-blosc2's ``blosclz_compress`` (BloscLZ 2.5) makes, so it writes
the same bytes: an entropy probe over the end of the stream first (give up below a clevel's
compression ratio), then a greedy parse with a hash table of 4-byte sequences (``2**hashlog``
entries, positions of the last sequence seen with that hash, initially 0), a match needing 4 equal
bytes at a distance below ``MAX_FARDISTANCE`` and being stored 4 bytes short of where the
comparison stopped (``ipshift``; at least ``minlen`` = 4 long, and 6 for far matches), the hash of
the match end (and at clevel 9 of the byte after it) entered, parsing resuming 2 bytes on.
The parse is vectorised: a window of positions is tested at once with NumPy, so the Python cost
is per match, not per byte.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

MAX_DISTANCE = 8191
MAX_FARDISTANCE = 65535 + MAX_DISTANCE - 1
MAX_COPY = 32
HASH_LOG = 14
_HASHLOGS = (0, HASH_LOG - 2, HASH_LOG - 1) + (HASH_LOG,) * 7  # per clevel
_MIN_CRATIOS = (0.0, 2.0, 1.5, 1.2, 1.2, 1.2, 1.2, 1.15, 1.1, 1.0)  # the probe's give-up ratios
IPSHIFT = 4
MINLEN = 4
_MASK7 = np.uint64((1 << 56) - 1)


class BloscLZError(ValueError):
    """The input is not a valid BloscLZ stream (or does not decode to the expected size)."""


def decompress(src: bytes | bytearray | memoryview, maxout: int) -> bytes:
    """Decode a BloscLZ stream into at most ``maxout`` bytes; raise :class:`BloscLZError` if invalid."""
    ip_bytes = bytes(src)
    n = len(ip_bytes)
    if n == 0:
        return b""
    out = bytearray()
    op = 0  # == len(out)
    ip = 1
    ctrl = ip_bytes[0] & 31
    while True:
        if ctrl < 32:
            run = ctrl + 1
            if op + run > maxout:
                raise BloscLZError(f"literal run at input byte {ip - 1} overflows the {maxout}-byte output")
            if ip + run > n:
                raise BloscLZError(f"literal run at input byte {ip - 1} needs {run} bytes, stream ends first")
            out += ip_bytes[ip:ip + run]
            ip += run
            op += run
            if ip >= n:
                break
            ctrl = ip_bytes[ip]
            ip += 1
            continue
        start = ip - 1
        length = (ctrl >> 5) - 1
        high = (ctrl & 31) << 8
        if length == 6:
            while True:
                if ip + 1 >= n:
                    raise BloscLZError(f"match at input byte {start} is truncated (length extension)")
                code = ip_bytes[ip]
                ip += 1
                length += code
                if code != 255:
                    break
        elif ip + 1 >= n:
            raise BloscLZError(f"match at input byte {start} is truncated (the stream must end with literals)")
        code = ip_bytes[ip]
        ip += 1
        length += 3
        distance = high + code + 1
        if code == 255 and high == 31 << 8:
            if ip + 1 >= n:
                raise BloscLZError(f"far match at input byte {start} is truncated")
            distance = ((ip_bytes[ip] << 8) | ip_bytes[ip + 1]) + MAX_DISTANCE + 1
            ip += 2
        if op + length > maxout:
            raise BloscLZError(f"match at input byte {start} overflows the {maxout}-byte output")
        if distance > op:
            raise BloscLZError(f"match at input byte {start} refers {distance} bytes back, before the output start")
        if ip >= n:
            raise BloscLZError(f"stream ends with a match (input byte {start}); it must end with literals")
        ctrl = ip_bytes[ip]
        ip += 1
        ref = op - distance
        if distance >= length:
            out += out[ref:ref + length]
        elif distance == 1:
            out += bytes((out[ref],)) * length
        else:
            pattern = bytes(out[ref:op])
            reps, rest = divmod(length, distance)
            out += pattern * reps + pattern[:rest]
        op += length
    return bytes(out)


def decompress_exact(src: bytes | bytearray | memoryview, nbytes: int) -> bytes:
    """Decode a stream that must expand to exactly ``nbytes`` bytes (as Blosc2 streams do)."""
    out = decompress(src, nbytes)
    if len(out) != nbytes:
        raise BloscLZError(f"BloscLZ stream decoded to {len(out)} bytes, expected {nbytes}")
    return out


# ---- encoder ------------------------------------------------------------------------------------
def _hash(seq: int, hashlog: int) -> int:
    return ((seq * 2654435761) & 0xFFFFFFFF) >> (32 - hashlog)


class _Tables:
    """Per-position facts of one input: its 4-byte words, their hashes, and the previous and next
    position with the same hash."""

    def __init__(self, b: np.ndarray, hashlog: int) -> None:
        n = b.size
        w = b.astype(np.uint32)
        self.b = b
        u32 = w[:n - 3] | (w[1:n - 2] << 8) | (w[2:n - 1] << 16) | (w[3:] << 24)
        self.u32 = u32
        self.x8 = u32[:n - 7].astype(np.uint64) | (u32[4:n - 3].astype(np.uint64) << np.uint64(32))
        hashes16 = ((u32 * np.uint32(2654435761)) >> np.uint32(32 - hashlog)).astype(np.uint16)  # mod 2**32
        self.hashes = hashes16.astype(np.int64)
        npos = self.hashes.size
        order = np.argsort(hashes16, kind="stable")  # a radix sort for 16-bit keys
        same = hashes16[order[1:]] == hashes16[order[:-1]]
        self.prev = np.full(npos, -1, dtype=np.int64)
        self.prev[order[1:][same]] = order[:-1][same]
        self.next = np.full(npos, n, dtype=np.int64)
        self.next[order[:-1][same]] = order[1:][same]
        self.hashlog = hashlog
        self.hashes_list: list[int] = self.hashes.tolist()
        self.data = b.tobytes()


def _parse(t: _Tables, start: int, base: int, ip_limit: int, ip_bound: int, far_rule: bool,
           double_hash: bool) -> Iterator[tuple[int, int, int, int]]:
    """Yield ``(literals_start, literals_end, length, distance)``: literals, then a match at
    ``literals_end`` copying ``length + 2`` bytes from ``distance`` back (``length > 0``), or the
    main loop's end at ``literals_end`` (``length == 0``, the last).

    A few positions after each match are tried one by one (matches often come close together),
    then windows of positions at once."""
    b, data, u32, x8, hashes, hl = t.b, t.data, t.u32, t.x8, t.hashes, t.hashes_list
    table = np.full(1 << t.hashlog, base, dtype=np.int64)
    p0 = start
    window = 32
    while p0 < ip_limit:
        anchor, d = -1, 0
        q0 = min(p0 + 8, ip_limit)
        for p in range(p0, q0):
            h = hl[p]
            c = int(table[h])
            table[h] = p
            dist = p - c
            if 0 < dist < MAX_FARDISTANCE and data[c:c + 7] == data[p:p + 7] and (
                    not far_rule or dist <= MAX_DISTANCE or data[c + 7:c + 9] == data[p + 7:p + 9]):
                anchor, d = p, dist
                break
        while anchor < 0 and q0 < ip_limit:
            q1 = min(q0 + window, ip_limit)
            prev = t.prev[q0:q1]
            cand = np.where(prev >= q0, prev, table[hashes[q0:q1]])
            dist_w = np.arange(q0, q1) - cand
            ok = (dist_w > 0) & (dist_w < MAX_FARDISTANCE) & (u32[cand] == u32[q0:q1])
            ok &= ((x8[cand] ^ x8[q0:q1]) & _MASK7) == 0  # >= 7 equal bytes: a length >= MINLEN
            if far_rule:  # far matches need length >= 6: 9 equal bytes
                ok &= (dist_w <= MAX_DISTANCE) | ((x8[cand] == x8[q0:q1]) & (b[cand + 8] == b[q0 + 8:q1 + 8]))
            i = int(ok.argmax())
            if ok[i]:
                anchor, d = q0 + i, int(dist_w[i])
                _enter(t, table, q0, anchor + 1)
                window = max(32, 2 * (i + 1))
            else:
                _enter(t, table, q0, q1)
                window = min(window * 2, 1 << 16)
                q0 = q1
        if anchor < 0:
            yield p0, ip_limit, 0, 0
            return
        end = _match_end(data, b, anchor + 7, d, ip_bound)
        length = end - IPSHIFT - anchor
        yield p0, anchor, length, d
        boundary = anchor + length
        table[hl[boundary]] = boundary
        if double_hash:
            table[_hash(int(u32[boundary]) >> 8, t.hashlog)] = boundary + 1
        p0 = boundary + 2
    yield p0, p0, 0, 0


def _enter(t: _Tables, table: np.ndarray, a: int, c: int) -> None:
    """Enter positions ``a..c-1`` in the hash table (the last of each hash wins)."""
    if c - a <= 8:
        for q in range(a, c):
            table[t.hashes_list[q]] = q
        return
    last = a + np.flatnonzero(t.next[a:c] >= c)
    table[t.hashes[last]] = last


def _match_end(data: bytes, b: np.ndarray, k: int, d: int, ip_bound: int) -> int:
    """Where c-blosc2's match comparison stops: one past the first byte (from ``k`` on) that differs
    from the byte ``d`` back, at most ``ip_bound``."""
    e = min(k + 16, ip_bound)
    for j in range(k, e):  # most matches are short: compare them without NumPy
        if data[j] != data[j - d]:
            return j + 1
    k = e
    step = 64
    while k < ip_bound:
        e = min(k + step, ip_bound)
        if data[k:e] != data[k - d:e - d]:  # bytes compare equal stretches fast; NumPy finds the byte
            diff = np.flatnonzero(b[k:e] != b[k - d:e - d])
            return min(k + int(diff[0]) + 1, ip_bound)
        k = e
        step *= 2
    return ip_bound


def _literal_cost(copy: int, k: int) -> int:
    """Output bytes ``k`` literals add to a literal run holding ``copy`` bytes."""
    return k + (copy + k) // MAX_COPY


def _probe_cratio(t: _Tables, base: int, maxlen: int) -> float:
    """c-blosc2's entropy probe (``get_cratio``): the compression ratio of a dry run over
    ``maxlen`` bytes from ``base`` (at most one hash table's worth)."""
    limit = min(maxlen, 1 << t.hashlog)
    ip_limit = base + limit - 12
    copy, oc, stop = 4, 5, base
    for lit_start, lit_end, length, d in _parse(t, base, base, ip_limit, base + limit - 1, False, False):
        oc += _literal_cost(copy, lit_end - lit_start)
        copy = (copy + lit_end - lit_start) % MAX_COPY
        if length == 0:
            stop = lit_end
            break
        if not copy:
            oc -= 1
        copy = 0
        oc += (2 if d - 1 < MAX_DISTANCE else 4) + ((length - 7) // 255 + 1 if length >= 7 else 0) + 1
    return (stop - base) / oc


def compress(src: bytes | bytearray | memoryview | np.ndarray, clevel: int, maxout: int) -> bytes:
    """Encode ``src`` as c-blosc2's ``blosclz_compress(clevel, src, len, out, maxout)`` does; ``b""``
    where it returns 0 (too small, not compressible enough, or not fitting in ``maxout``)."""
    b = np.frombuffer(bytes(src), dtype=np.uint8) if not isinstance(src, np.ndarray) else src.reshape(-1).view(np.uint8)
    length = b.size
    if not 1 <= clevel <= 9:
        raise ValueError(f"BloscLZ clevel must be 1..9, got {clevel}")
    if length < 16 or maxout < 66:
        return b""
    t = _Tables(b, _HASHLOGS[clevel])
    maxlen = length // (8 if clevel < 2 else 4 if clevel < 4 else 2 if clevel < 7 else 1)
    if _probe_cratio(t, length - maxlen, maxlen) < _MIN_CRATIOS[clevel]:
        return b""
    out = bytearray(b[:4].tobytes())
    out.insert(0, MAX_COPY - 1)
    copy = 4
    data = t.data
    for lit_start, lit_end, length_, d in _parse(t, 4, 0, length - 12, length - 1, True, clevel == 9):
        # where the main loop stops, the rest of the input follows as literals, written alike
        copy = _literals(out, data, lit_start, length if length_ == 0 else lit_end, copy, maxout)
        if copy < 0:
            return b""
        if length_ == 0:
            break
        if copy:
            out[-copy - 1] = copy - 1
        else:
            del out[-1]
        copy = 0
        if not _match(out, length_, d - 1, maxout):
            return b""
        if len(out) + 1 > maxout:
            return b""
        out.append(MAX_COPY - 1)
    if copy:
        out[-copy - 1] = copy - 1
    else:
        del out[-1]
    out[0] |= 1 << 5
    return bytes(out)


def _literals(out: bytearray, data: bytes, a: int, c: int, copy: int, maxout: int) -> int:
    """Append literals ``data[a:c]`` to the open literal run; the run's new count, or -1 where
    c-blosc2 gives up (a literal written past ``maxout - 2``)."""
    k = c - a
    if k <= 0:
        return copy
    if len(out) + k - 1 + (copy + k - 1) // MAX_COPY + 2 > maxout:
        return -1
    while a < c:
        take = min(MAX_COPY - copy, c - a)
        out += data[a:a + take]
        a += take
        copy += take
        if copy == MAX_COPY:
            out.append(MAX_COPY - 1)
            copy = 0
    return copy


def _match(out: bytearray, length: int, distance: int, maxout: int) -> bool:
    """Append one match (``distance`` biased by one); False where it does not fit ``maxout``."""
    far = distance >= MAX_DISTANCE
    if far:
        distance -= MAX_DISTANCE
        tail = [255, distance >> 8, distance & 255]
        high = 31
    else:
        tail = [distance & 255]
        high = distance >> 8
    if length < 7:
        if len(out) + 1 + len(tail) > maxout:
            return False
        out.append((length << 5) + high)
        out += bytes(tail)
        return True
    if len(out) + 1 > maxout:
        return False
    out.append((7 << 5) + high)
    length -= 7
    while length >= 255:
        if len(out) + 1 > maxout:
            return False
        out.append(255)
        length -= 255
    if len(out) + 1 + len(tail) > maxout:
        return False
    out.append(length)
    out += bytes(tail)
    return True
