"""Whether new files can be created in a directory, asked before writing rather than after.

The Docker image runs Sanad as uid 10001, so a sources directory bind-mounted from the host
usually belongs to someone else, and a read-only mount refuses every user, root included.
Asking first lets the bot say so once at start and keep answering from an index in memory,
instead of failing at every snapshot save and every uploaded article.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


def why_unwritable(directory: Path) -> str | None:
    """Why a new file cannot be created in ``directory``, or None when one can.

    ``os.access`` reads the permission bits, which root passes whatever they say and which know
    nothing of a read-only mount; so a probe file is also created and removed, and the kernel's
    own answer (EROFS, EACCES from an ACL or a security module) is the last word.

    Returns:
        None, or a short English reason for an operator's line: "does not exist",
        "not a directory", "no write permission for uid 10001", or the kernel's error text
        ("Read-only file system").
    """
    if not directory.is_dir():
        return "not a directory" if directory.exists() else "does not exist"
    if not os.access(directory, os.W_OK | os.X_OK):
        # access() says EROFS for a read-only mount as it says EACCES for the bits: name which.
        if os.statvfs(directory).f_flag & os.ST_RDONLY:
            return os.strerror(errno.EROFS)
        return f"no write permission for uid {os.geteuid()}"
    try:
        handle, probe = tempfile.mkstemp(prefix=".sanad-write-probe-", dir=directory)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    os.close(handle)
    with contextlib.suppress(OSError):  # a directory that takes files but not deletions
        os.unlink(probe)
    return None
