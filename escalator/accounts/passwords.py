"""Argon2 password hashes (pwdlib), and the one rule a new password must meet."""

from pwdlib import PasswordHash

_hasher = PasswordHash.recommended()
# Verified against when the address is unknown, so both answers take as long.
_DUMMY = _hasher.hash("an address nobody has")

MIN_LENGTH = 12
MAX_LENGTH = 256


def password_problem(password: str) -> str | None:
    """Why `password` may not be chosen, or None. Length is what counts (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`; with no stored hash, as slow and always False."""
    if stored is None:
        _hasher.verify(password, _DUMMY)
        return False
    return _hasher.verify(password, stored)
