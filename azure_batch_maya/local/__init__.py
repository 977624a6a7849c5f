"""The local pool: a Batch-compatible service on 127.0.0.1 that runs tasks on this machine."""
