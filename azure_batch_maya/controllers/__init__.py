"""One controller per panel tab: state and actions, no widgets, no Qt.

Slow actions are plain blocking functions that take `progress` and `cancel`; the views run them
on worker threads and hand their results back to the controller on the main thread.
"""
