"""Every SQL table, and nothing else: the only part of `models/` that may import SQLModel.

Importing the package registers every table on `SQLModel.metadata` (migrations compare
against it); the core module comes first because the others use its `DateTime` column.
"""

from models.tables import accounts, audit, client_registry, core, credits, intake, inventory

__all__ = ["accounts", "audit", "client_registry", "core", "credits", "intake", "inventory"]
