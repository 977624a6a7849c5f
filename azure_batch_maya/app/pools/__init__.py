"""Pools: what each holds and costs.

Its autoscale in words, node checks and their findings, the install-at-start start task.
"""
