"""Writing a checkpoint file atomically, durably, and without leaving orphaned temporary files.

The arrays go to a temporary file `.tmp-<name>-<random>.npz` next to the target, which is locked
(`flock`) while it is written, flushed and fsynced, renamed over the target (`os.replace`, atomic),
and then the directory is fsynced so the rename itself survives a power loss. A save killed midway
(SIGKILL, power loss) leaves the old checkpoint intact and its temporary file behind; the kernel
drops the dead writer's lock, so the next save to the same target recognises the file as stale
and deletes it, while the file of a save still running (its lock held) is left alone.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so stale temporary files are left alone
    fcntl = None

TEMPORARY_PREFIX = ".tmp-"


def write_npz_atomically(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Save `arrays` as an uncompressed .npz at `path`: all of it, or (on any failure) nothing."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: the directory {directory} does not exist, so {path} cannot be written "
                                "(create it first: os.makedirs(directory, exist_ok=True))")
    prefix = f"{TEMPORARY_PREFIX}{os.path.basename(path)}-"
    remove_stale_temporaries(directory, prefix)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".npz")
    try:
        with os.fdopen(descriptor, "wb") as file:
            if fcntl is not None:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # "in use" until closed or dead
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
            # mkstemp makes the file private (0600); give it the mode a plain open() would
            os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
            if fcntl is not None:
                os.replace(temporary, path)  # still locked, so no other save takes it for stale
        if fcntl is None:
            os.replace(temporary, path)  # Windows cannot rename an open file
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    fsync_directory(directory)


def remove_stale_temporaries(directory: str, prefix: str) -> None:
    """Delete the temporary files named `prefix...npz` whose writer is gone (their lock is free)."""
    if fcntl is None:
        return  # no way to tell a dead writer's file from a live one's
    for name in os.listdir(directory):
        if not (name.startswith(prefix) and name.endswith(".npz")):
            continue
        candidate = os.path.join(directory, name)
        try:
            with open(candidate, "rb") as file:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while a live save holds it
                os.unlink(candidate)
        except OSError:
            continue  # in use by a running save, or already gone


def fsync_directory(directory: str) -> None:
    """Make a rename in `directory` durable (POSIX; Windows has no directory fsync)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
