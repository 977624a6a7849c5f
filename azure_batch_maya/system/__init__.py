"""What the operating system gives every layer.

Per-user folders, atomic file writes and process helpers: standard library only.
"""
