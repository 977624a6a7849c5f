"""What a Maya scene needs to render: the model and its two readers (offline .ma, live Maya)."""
