"""Workflows: case lifecycle and field service, deterministic and free of I/O."""

from workflows.archive import ArchiveCaseWorkflow
from workflows.case import CaseWorkflow

ALL_WORKFLOWS = [CaseWorkflow, ArchiveCaseWorkflow]
