"""Checks on output paths shared by the commands: refuse early, with a message."""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager

from ..errors import InputError, UsageError


def check_out_folder(out: str, option: str = "--out") -> None:
    """Refuse an --out folder that cannot be written, before the work (not after)."""
    path = os.path.abspath(out)
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{option} {out} exists and is not a folder", where=option,
                         hint="give a folder (it is created when missing)")
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"{option} {out} cannot be created: {existing} is not a folder",
                         where=option)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out} is not writable: {existing} does not accept new files "
                         f"(no write permission, or a read-only file system)",
                         where=option, hint="choose a writable folder")


#: errors of writing that are the user's to fix (permissions, read-only or full disk)
WRITE_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT)


@contextmanager
def writing_into(folder: str, option: str = "--out"):
    """Turn a permission / read-only / disk-full error while writing into exit 2."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        where = exc.filename or folder
        raise InputError(f"cannot write into {option} {folder}: {exc.strerror} ({where})",
                         where=option, hint="choose a writable folder with free space") from None
