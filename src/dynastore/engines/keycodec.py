"""Key encodings whose byte order is DynamoDB's order, and the item blob format.

SQLite compares BLOBs with memcmp, so a key column holding these bytes sorts
exactly as DynamoDB sorts: S by UTF-8 bytes, B bytewise, N numerically (all
38 digits, negatives included).
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any, Callable, cast

import msgpack

# -- numbers -------------------------------------------------------------------
#
# zero      -> 0x80
# positive  -> 0xC0, exponent+0x8000 (2 bytes, big-endian), digits as ASCII
# negative  -> 0x40, 0x7FFF-exponent (2 bytes), inverted digits, 0xFF
#
# With the value written 0.d1d2...dn x 10**(e+1) and no trailing zeros, a larger
# exponent means a larger magnitude, and for equal exponents the digit strings
# compare like the magnitudes (a shorter prefix is smaller). For negatives both
# are inverted, and the 0xFF terminator makes a shorter prefix sort *after* a
# longer one (-0.12 > -0.123).

_INVERT = bytes.maketrans(b"0123456789", b"9876543210")


def encode_number(n: int | Decimal) -> bytes:
    if type(n) is int:
        if n == 0:
            return b"\x80"
        digits = str(abs(n))
        stripped = digits.rstrip("0")
        exp = len(digits) - 1
        negative = n < 0
    else:
        # exact-type dispatch (fast); mypy cannot narrow this branch
        sign, dtuple, dexp = cast(Decimal, n).as_tuple()
        if not any(dtuple):
            return b"\x80"
        digits_all = "".join(map(str, dtuple)).lstrip("0")
        stripped = digits_all.rstrip("0")
        exp = len(digits_all) - 1 + int(dexp)  # type: ignore[arg-type]
        negative = bool(sign)
    if not negative:
        return b"\xc0" + (exp + 0x8000).to_bytes(2, "big") + stripped.encode("ascii")
    return b"\x40" + (0x7FFF - exp).to_bytes(2, "big") + stripped.encode("ascii").translate(_INVERT) + b"\xff"


def encoder_for(key_type: str) -> Callable[[Any], bytes]:
    if key_type == "S":
        return _encode_str
    if key_type == "N":
        return encode_number
    return bytes


def _encode_str(s: str) -> bytes:
    return s.encode("utf-8")


def prefix_successor(prefix: bytes) -> bytes | None:
    """The smallest byte string greater than every string starting with ``prefix``."""
    p = prefix.rstrip(b"\xff")
    if not p:
        return None
    return p[:-1] + bytes([p[-1] + 1])


# -- item blobs ------------------------------------------------------------------
#
# msgpack carries str, int (64-bit), bool, None, bytes, list and dict natively;
# Decimal, sets and the rare larger-than-64-bit integer travel as ext types.

_EXT_DECIMAL = 1
_EXT_BIGINT = 2
_EXT_SS = 3
_EXT_NS = 4
_EXT_BS = 5


def _default(o: Any) -> Any:
    t = type(o)
    if t is Decimal:
        return msgpack.ExtType(_EXT_DECIMAL, str(o).encode("ascii"))
    if t is set:
        first = next(iter(o))
        tf = type(first)
        # a fresh packer: the thread's own is busy with the enclosing item
        body = msgpack.packb(list(o), default=_default, use_bin_type=True)
        if tf is str:
            return msgpack.ExtType(_EXT_SS, body)
        if tf is bytes:
            return msgpack.ExtType(_EXT_BS, body)
        return msgpack.ExtType(_EXT_NS, body)
    if t is int:  # beyond 64 bits
        return msgpack.ExtType(_EXT_BIGINT, str(o).encode("ascii"))
    raise TypeError(f"cannot store {t.__name__}")


_local = threading.local()


def _pack(v: Any) -> bytes:
    # A Packer per thread: building one per call costs more than packing a small item.
    try:
        packer = _local.packer
    except AttributeError:
        packer = _local.packer = msgpack.Packer(default=_default, use_bin_type=True)
    try:
        return packer.pack(v)
    except BaseException:
        packer.reset()
        raise


def _ext_hook(code: int, data: bytes) -> Any:
    if code == _EXT_DECIMAL:
        return Decimal(data.decode("ascii"))
    if code == _EXT_BIGINT:
        return int(data)
    if code in (_EXT_SS, _EXT_NS, _EXT_BS):
        return set(unpack_item(data))
    raise ValueError(f"unknown ext type {code}")


def pack_item(item: dict[str, Any]) -> bytes:
    return _pack(item)


def unpack_item(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, raw=False, strict_map_key=False)
