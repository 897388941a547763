"""The escalation policy: its schema (`schema.py`) and the parts it is built from.

`from models.policy import load_policy, Policy, PolicyError` is the documented entry point.
"""

from models.policy.errors import PolicyError
from models.policy.schema import Policy, TargetTime, load_policy, validate_policy_text

__all__ = ["Policy", "PolicyError", "TargetTime", "load_policy", "validate_policy_text"]
