"""Rendered frames as small display images: decoding (EXR, TIFF, PNG, JPEG) and tone mapping.

The imaging libraries (the `thumbnails` extra: OpenEXR, Pillow, tifffile, with numpy) are
optional and imported only when a frame is decoded; without them a frame becomes a labelled
placeholder saying what to install, never an error in the panel.
"""
