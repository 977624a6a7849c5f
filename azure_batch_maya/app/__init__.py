"""The application layer: what the CLI and the panel both do.

Submit, connect, check quotas, and follow jobs (`app.jobs`) and pools (`app.pools`).
"""
