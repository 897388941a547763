"""Workflows: case lifecycle and field service, deterministic and free of I/O.

This package imports nothing: Temporal's sandbox re-imports a workflow's module
(and its package) for every workflow it runs, so each run pays only for its own
module. The list the worker registers is in `workflows.catalog`.
"""
