"""Set-of-marks screenshots: the viewport with a numbered box on every element that has an id.

The numbers are the element ids the actions take (``click(12)``), drawn from the boxes the page
snapshot measured, so picture and text always agree. Drawing happens on the PNG in Python (Pillow),
never in the page: the page's own scripts cannot see, move or hide the marks.

Example:
    >>> from PIL import Image; import io
    >>> blank = io.BytesIO(); Image.new("RGB", (200, 100), "white").save(blank, "PNG")
    >>> png = draw_marks(blank.getvalue(), {7: (10, 10, 80, 30)})
    >>> Image.open(io.BytesIO(png)).size
    (200, 100)
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

# Distinct, saturated colours that stay readable on white and on dark pages.
LABEL_PX = 12
PALETTE = (
    (230, 25, 75),
    (0, 130, 200),
    (60, 180, 75),
    (245, 130, 48),
    (145, 30, 180),
    (0, 128, 128),
    (170, 110, 40),
    (128, 0, 0),
    (0, 0, 128),
    (240, 50, 230),
)


def _font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=LABEL_PX)  # Pillow's built-in scalable font (needs FreeType)
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def draw_marks(png: bytes, boxes: dict[int, tuple[int, int, int, int]]) -> bytes:
    """The PNG with each box outlined and labelled with its id (label above the box, inside at the top)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    draw = ImageDraw.Draw(image)
    font = _font()
    for element_id, (x, y, w, h) in sorted(boxes.items()):
        colour = PALETTE[element_id % len(PALETTE)]
        draw.rectangle((x, y, x + max(w - 1, 0), y + max(h - 1, 0)), outline=colour, width=2)
        label = str(element_id)
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        tw, th = right - left + 4, bottom - top + 4
        ly = y - th if y - th >= 0 else y  # above the box when there is room
        lx = min(max(x, 0), max(image.width - tw, 0))
        draw.rectangle((lx, ly, lx + tw, ly + th), fill=colour)
        draw.text((lx + 2 - left, ly + 2 - top), label, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
