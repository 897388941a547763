"""What an error from Temporal (or the database) means: every `RPCStatusCode` decision of
the project is made here, so a status is read the same way by every layer."""

from sqlalchemy.exc import InterfaceError, OperationalError
from temporalio.service import RPCError, RPCStatusCode


def _status(error: BaseException) -> RPCStatusCode | None:
    return error.status if isinstance(error, RPCError) else None


def workflow_unknown(error: BaseException) -> bool:
    """No such workflow (or run): it never existed, or has ended so no Update or Query
    reaches it."""
    return _status(error) in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT)


def not_found(error: BaseException) -> bool:
    return _status(error) == RPCStatusCode.NOT_FOUND


def poll_timed_out(error: BaseException) -> bool:
    """One poll's own timeout (or its cancellation): the caller's bound has passed too."""
    return _status(error) in (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED)


def no_worker(error: BaseException) -> bool:
    """ "no poller seen for task queue": nothing runs the workflow now."""
    return _status(error) == RPCStatusCode.FAILED_PRECONDITION


def unsupported(error: BaseException) -> bool:
    """The server does not offer the call (Temporal's time-skipping test server)."""
    return _status(error) == RPCStatusCode.UNIMPLEMENTED


def cannot_list(error: BaseException) -> bool:
    """The namespace cannot be asked: no operator permission (some Temporal Cloud keys), or
    a server that does not offer the call."""
    return _status(error) in (RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED)


def unavailable_part(exc: BaseException) -> str | None:
    """ "Temporal" or "the database" when `exc`, or what it wraps, says it cannot be reached."""
    if exc.__cause__ is not None and (down := unavailable_part(exc.__cause__)):
        return down
    if _status(exc) in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return "Temporal"
    # The lazy client's first call when the server does not answer.
    if isinstance(exc, RuntimeError) and str(exc).startswith("Failed client connect"):
        return "Temporal"
    if isinstance(exc, OperationalError | InterfaceError):
        return "the database"
    return None
