"""BloscLZ stream decoder (the LZ77 variant behind c-blosc2's built-in ``BLOSCLZ`` codec).

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
"""

from __future__ import annotations

MAX_DISTANCE = 8191


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
