"""Autoscale of the local pool: the Batch autoscale formula language and its running.

Pure modules, from text to targets: `lexer` → `parser` (to the `tree` dataclasses) →
`evaluate` (with `values`, `functions` and the sample methods of `samples`); `problems` are
its errors; `settings` holds the service's limits and 400s and where a pool keeps its
settings; `metrics` measures a pool's read-only variables. `scaler` is the engine's side:
sample histories, evaluation schedules, resizes.
"""
