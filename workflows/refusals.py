"""What a workflow raises when an Update (or a Query) asks for what it does not allow now.

An `ApplicationError`, non-retryable: raised by a validator it rejects the Update, which
never enters history; the API answers 409 with its message (api/workflow_calls.py).
Never an `assert`: raised in a handler, anything but a Temporal failure fails the
workflow task (retried for ever) instead of the Update.
"""

from temporalio.exceptions import ApplicationError


def refused(reason: str) -> ApplicationError:
    return ApplicationError(reason, type="StepRefused", non_retryable=True)


def refuse(reason: str | None) -> None:
    """For a validator: refuse with `reason` unless it is None (the step is allowed)."""
    if reason is not None:
        raise refused(reason)
