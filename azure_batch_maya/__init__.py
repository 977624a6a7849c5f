"""Send a Maya scene's render to Azure Batch (or a local pool) and bring the frames home."""

__version__ = "0.1.0"
