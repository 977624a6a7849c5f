"""What runs on a render node: fetch the job's inputs, map paths, render, check the frames.

Everything here is stdlib only and runs on Python 3.10+ (mayapy of Maya 2024 and later). It is
shipped to the node with the job's inputs (see `render.shipping`), together with the few
modules of the package it imports (the offline scene reader for the stand-in).
"""
