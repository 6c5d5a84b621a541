"""Every failure a user can meet, as one sentence: DuckDB's and the operating system's errors sorted by cause.

``user_error(exc)`` is what the pages (``ui.widgets.attempt``) and the command line show for any exception that
is not already a ``RiskLabError``: a full disk, a read-only database, a transaction conflict, a damaged database
block, a value out of range, a document nested too deeply, memory running out.
"""

from __future__ import annotations

import errno
import re

import duckdb

from analytics.core import RiskLabError

_DISK_FULL = ("no space left on device", "disk is full", "could not write all bytes", "not enough space")
_READ_ONLY = ("read-only mode", "read-only file system", "attached in read-only", "permission denied")
_CORRUPT = ("corrupt", "checksum", "invalid block", "failed to read block", "no such file")
_CONFLICT = ("conflict", "duplicate key")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    line = re.sub(r"^[A-Za-z ]+Error: ", "", line)
    return line.replace("\x00", " ")[:200]


def _mentions(exc: BaseException, words: tuple[str, ...]) -> bool:
    text = str(exc).lower()
    return any(word in text for word in words)


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` says the disk (or the temp folder's file system) is full."""
    return (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or _mentions(exc, _DISK_FULL)


def is_conflict(exc: BaseException) -> bool:
    """True for a transaction that lost a race with another session's (a write-write conflict), not a full disk."""
    return isinstance(exc, duckdb.TransactionException) and _mentions(exc, _CONFLICT) and not is_disk_full(exc)


def user_error(exc: BaseException) -> RiskLabError:
    """The one sentence for ``exc``, by cause; a ``RiskLabError`` is returned as it is."""
    if isinstance(exc, RiskLabError):
        return exc
    if is_disk_full(exc):
        return RiskLabError("error.disk_full")
    if (
        isinstance(exc, MemoryError | duckdb.OutOfMemoryException)
        or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM)
        or _mentions(exc, ("out of memory", "cannot allocate memory"))
    ):
        return RiskLabError("error.out_of_memory")
    if isinstance(exc, RecursionError):
        return RiskLabError("error.too_deep")
    if is_conflict(exc):
        return RiskLabError("error.conflict")
    if isinstance(exc, duckdb.InterruptException):
        return RiskLabError("error.interrupted")
    if _mentions(exc, _READ_ONLY) or (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES)):
        return RiskLabError("error.read_only")
    if isinstance(exc, duckdb.Error) and _mentions(exc, _CORRUPT):
        return RiskLabError("error.corrupt", detail=_first_line(exc))
    if isinstance(exc, OSError):
        return RiskLabError("error.os", detail=exc.strerror or _first_line(exc))
    if isinstance(exc, ValueError | ArithmeticError | duckdb.OutOfRangeException | duckdb.ConversionException):
        return RiskLabError("error.bad_value", detail=_first_line(exc))
    return RiskLabError("error.unexpected", kind=type(exc).__name__, detail=_first_line(exc))
