"""The panel's Qt views: one per tab over its controller, through the `ui.qt` binding shim."""
