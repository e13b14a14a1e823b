"""The school pass's QR image (issue 20): the pass code as a PNG, pure bytes out. The QR holds
only the 6-character code (no name, no codice fiscale): whoever reads it still needs
`/verifica` to learn what the pass is for."""

from __future__ import annotations

import io

# Big enough to be read off a phone screen held to another phone's camera.
SCALE = 10
BORDER = 4  # the quiet zone the QR specification asks for


def pass_png(code: str) -> bytes:
    """The code as a QR code in a PNG (error correction M: survives a smudged screen)."""
    # Imported by the first pass (40 ms, once), not by every start-up: 0.75 MB the bot
    # carries only once a citizen has asked for a pass.
    import segno

    qr = segno.make_qr(code, error="m", boost_error=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=SCALE, border=BORDER)
    return buffer.getvalue()
