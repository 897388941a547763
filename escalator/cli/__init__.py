"""The top layer: the `escalator` command and the supervision of its processes.

Only this package imports the doors (`api`, `worker`, `escalator.smtp_listener`).
"""

from escalator.cli.main import main, run

__all__ = ["main", "run"]
