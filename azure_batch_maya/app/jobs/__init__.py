"""Following jobs after submitting.

Status, the stuck/failed verdict, retries, scout frames, notices, watching and background downloads.
"""
