"""Read a rendered frame (EXR, TIFF, PNG, JPEG) into a small RGBA8 image for display.

The format is told by the file's first bytes, not its name. EXR goes through the ASWF OpenEXR
bindings (every compression the library knows: ZIP, ZIPS, PIZ, DWAA/DWAB, B44, PXR24, RLE…),
TIFF, PNG and JPEG through Pillow, and floating-point RGB TIFF (which Pillow cannot read)
through tifffile. Floating-point pixels are scene-linear and tone-mapped (`tonemap`); 8- and
16-bit ones are already display values. `thumbnail` never raises: a frame it cannot decode
becomes a placeholder whose `problem` says why and what to install.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from azure_batch_maya.images.rgba import Rgba8, placeholder
from azure_batch_maya.images.tonemap import tone_map

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger(__name__)

EXTRA_HINT = "install the thumbnails extra: pip install 'azure-batch-maya[thumbnails]'"
DEFAULT_SIZE = 96

_MAGIC = {
    b"\x76\x2f\x31\x01": "exr",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"\x89PNG": "png",
    b"\xff\xd8\xff": "jpeg",
}


class ImageDecodeError(Exception):
    """A frame this product cannot show; the message says why (and what to install)."""


def thumbnail(path: Path, size: int = DEFAULT_SIZE, *, exposure: float = 0.0) -> Rgba8:
    """The frame fitted into `size`×`size`, or a placeholder naming the problem."""
    try:
        pixels = display_pixels(path, size, exposure=exposure)
    except ImageDecodeError as exc:
        return placeholder(size, str(exc))
    except Exception as exc:  # a library's own error on a damaged file: name it, show a tile
        log.debug("decoding %s failed", path, exc_info=True)
        return placeholder(size, f"{path.name}: {type(exc).__name__}: {exc}")
    height, width = pixels.shape[:2]
    return Rgba8(width, height, pixels.tobytes())


def sniff(path: Path) -> str:
    """The format the file's first bytes announce ("exr", "tiff", "png", "jpeg")."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
    except OSError as exc:
        raise ImageDecodeError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    raise ImageDecodeError(f"{path.name} is not an EXR, TIFF, PNG or JPEG file")


def display_pixels(
    path: Path, size: int = DEFAULT_SIZE, *, exposure: float = 0.0
) -> npt.NDArray[np.uint8]:
    """(h, w, 4) uint8 pixels fitting in `size`×`size`; raises ImageDecodeError."""
    return cast("npt.NDArray[np.uint8]", _display_pixels(path, size, exposure))


def _display_pixels(path: Path, size: int, exposure: float) -> Any:
    kind = sniff(path)
    np = _numpy()
    if kind == "exr":
        linear = _read_exr(path)
        return _fit(tone_map(_reduce(linear, size), exposure), size)
    image = _pillow_image(path, kind)
    if image is None:  # a TIFF Pillow cannot read: floating-point RGB
        linear = _read_float_tiff(path)
        return _fit(tone_map(_reduce(linear, size), exposure), size)
    if image.mode in ("F", "I", "I;16", "I;16B", "I;16L", "I;16N"):
        values = np.asarray(image)
        if values.dtype.kind == "f":
            return _fit(tone_map(_reduce(_rgb(values), size), exposure), size)
        scale = 65535.0 if values.max() > 255 or "16" in image.mode else 255.0
        grey = np.clip(values.astype(np.float32) / scale * 255.0, 0, 255).astype(np.uint8)
        return _fit(_with_alpha(_rgb(grey)), size)
    return _fit(np.asarray(image.convert("RGBA")), size)


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:
        raise ImageDecodeError(f"numpy is missing; {EXTRA_HINT}") from None
    return numpy


def _read_exr(path: Path) -> Any:
    """The first part's colour (RGBA, RGB, Y, else its first channel) as linear floats."""
    try:
        import OpenEXR
    except ImportError:
        raise ImageDecodeError(f"EXR frames need OpenEXR; {EXTRA_HINT}") from None
    try:
        with OpenEXR.File(str(path)) as exr:
            channels = exr.channels()
            name = next((n for n in ("RGBA", "RGB", "Y") if n in channels), None)
            if name is None and not channels:
                raise ImageDecodeError(f"{path.name} has no channels")
            # a copy: the arrays may live in the file object's memory, freed on close
            return _rgb(channels[name or sorted(channels)[0]].pixels.copy())
    except RuntimeError as exc:  # the library's word for a damaged or truncated file
        raise ImageDecodeError(f"{path.name} is not a readable EXR: {exc}") from None


def _pillow_image(path: Path, kind: str) -> Any:
    """The frame opened by Pillow, or None for a TIFF Pillow cannot read."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise ImageDecodeError(f"{kind.upper()} frames need Pillow; {EXTRA_HINT}") from None
    try:
        with Image.open(path) as image:  # closed at once: Windows could not delete it open
            image.load()
    except UnidentifiedImageError:
        if kind == "tiff":
            return None
        raise ImageDecodeError(f"{path.name} is not a readable {kind.upper()}") from None
    except OSError as exc:
        raise ImageDecodeError(f"{path.name} is not a readable {kind.upper()}: {exc}") from None
    return image


def _read_float_tiff(path: Path) -> Any:
    try:
        import tifffile
    except ImportError:
        raise ImageDecodeError(f"floating-point TIFF frames need tifffile; {EXTRA_HINT}") from None
    try:
        values = tifffile.imread(path)
    except (ValueError, OSError) as exc:
        # LZW and the floating-point predictor need the (large) imagecodecs package
        raise ImageDecodeError(
            f"{path.name}: {exc}; write it with ZIP compression or no compression, or "
            "pip install imagecodecs"
        ) from None
    if values.dtype.kind != "f":
        raise ImageDecodeError(f"{path.name}: {values.dtype} TIFF samples are not supported")
    return _rgb(values)


def _rgb(values: Any) -> Any:
    """(h, w) grey to (h, w, 3); (h, w, 2) grey+alpha to RGBA; wider kept to 4 channels."""
    np = _numpy()
    if values.ndim == 2:
        return np.repeat(values[..., None], 3, axis=-1)
    if values.shape[-1] == 1:
        return np.repeat(values, 3, axis=-1)
    if values.shape[-1] == 2:
        return np.concatenate([np.repeat(values[..., :1], 3, axis=-1), values[..., 1:]], axis=-1)
    return values[..., :4]


def _with_alpha(rgb: Any) -> Any:
    np = _numpy()
    if rgb.shape[-1] == 4:
        return rgb
    alpha = np.full((*rgb.shape[:2], 1), 255, dtype=np.uint8)
    return np.concatenate([rgb, alpha], axis=-1)


def _reduce(values: Any, size: int) -> Any:
    """Every n-th pixel, keeping at least twice `size`: a 4K float frame is tone-mapped small."""
    step = max(1, max(values.shape[:2]) // (2 * size))
    return values[::step, ::step]


def _fit(pixels: Any, size: int) -> Any:
    """RGBA uint8 scaled (keeping its shape) to fit in `size`×`size`."""
    try:
        from PIL import Image
    except ImportError:
        raise ImageDecodeError(f"scaling frames needs Pillow; {EXTRA_HINT}") from None
    np = _numpy()
    image = Image.fromarray(np.ascontiguousarray(_with_alpha(pixels)), "RGBA")
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    return np.asarray(image)
