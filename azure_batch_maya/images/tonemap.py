"""Scene-linear floating-point pixels to 8-bit display values.

The curve is an exposure multiplier, a clip at 1 and the sRGB transfer function: what Maya's
Render View shows with its plain "sRGB gamma" view. It was chosen over Reinhard because a
thumbnail should look like the frame the artist will open, and Reinhard darkens the mid-tones
of every frame to save highlights that are a few pixels wide at thumbnail size. It also makes
a linear EXR and an sRGB PNG of the same picture give the same thumbnail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

SRGB_BREAK = 0.0031308


def srgb_encode(linear: float) -> float:
    """One linear value in [0, 1] to its sRGB-encoded value in [0, 1]."""
    if linear <= SRGB_BREAK:
        return 12.92 * linear
    return float(1.055 * linear ** (1 / 2.4) - 0.055)


def srgb_decode(encoded: float) -> float:
    """One sRGB-encoded value in [0, 1] back to linear (for texture bytes made linear)."""
    if encoded <= 0.04045:
        return encoded / 12.92
    return float(((encoded + 0.055) / 1.055) ** 2.4)


def tone_map(linear: npt.NDArray[np.floating], exposure: float = 0.0) -> npt.NDArray[np.uint8]:
    """(h, w, c) linear floats to uint8 display values; alpha (the 4th channel) is only clipped.

    NaN and infinities (a renderer's fireflies) become 0 and 1, never garbage.
    """
    import numpy as np

    values = np.nan_to_num(linear.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    colour = np.clip(values[..., :3] * np.float32(2.0**exposure), 0.0, 1.0)
    encoded = np.where(
        colour <= SRGB_BREAK, 12.92 * colour, 1.055 * np.power(colour, 1 / 2.4) - 0.055
    )
    out = [encoded]
    if values.shape[-1] > 3:
        out.append(np.clip(values[..., 3:4], 0.0, 1.0))
    display = np.concatenate(out, axis=-1)
    return np.asarray(np.rint(display * 255.0), dtype=np.uint8)
