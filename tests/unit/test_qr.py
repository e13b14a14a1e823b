"""formats.qr: the school pass's code as a PNG QR image (issue 20)."""

from __future__ import annotations

import struct
import zlib

import segno

from formats.qr import BORDER, SCALE, pass_png


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _pixels(png: bytes) -> bytes:
    """The image data (the IDAT chunks, inflated)."""
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += 12 + length
    return zlib.decompress(data)


def test_the_pass_code_is_a_qr_png_of_the_expected_size() -> None:
    png = pass_png("AB12CD")
    modules = segno.make_qr("AB12CD", error="m", boost_error=False).symbol_size(scale=1, border=0)
    side = (modules[0] + 2 * BORDER) * SCALE
    assert _png_size(png) == (side, side)
    # Small enough to send at once, a QR version 1 for a 6-character code.
    assert modules == (21, 21) and len(png) < 2_000


def test_different_codes_give_different_images_the_same_code_the_same() -> None:
    assert _pixels(pass_png("AB12CD")) == _pixels(pass_png("AB12CD"))
    assert _pixels(pass_png("AB12CD")) != _pixels(pass_png("AB12CE"))
