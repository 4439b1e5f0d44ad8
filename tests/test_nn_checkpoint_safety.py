"""Checkpoints survive a save killed midway (SIGKILL) and leave no orphaned temporary files;
saves fsync the file and its directory; read_idx refuses headers that cannot describe the file."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import nn
from nn.data import read_idx

fcntl = pytest.importorskip("fcntl")  # POSIX: the stale-file test takes a save's lock the way save does

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A model of ~36 MB, so that each save takes long enough to be killed in the middle of it.
CHILD = textwrap.dedent("""
    import sys
    import nn
    nn.manual_seed(0)
    model = nn.Linear(3000, 3000)
    model.save(sys.argv[1])
    print("saved", flush=True)
    while True:
        model.save(sys.argv[1])
""")


def large_model():
    nn.manual_seed(0)
    return nn.Linear(3000, 3000)


def temporaries(directory):
    return sorted(name for name in os.listdir(directory) if name.startswith(".tmp-"))


def kill_during_a_save(path, attempts=5):
    """Run saves in a child process and SIGKILL it while a temporary file exists; True once a kill
    left one behind (the save was interrupted midway)."""
    for _ in range(attempts):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "saved"
            deadline = time.monotonic() + 60
            while not temporaries(path.parent) and time.monotonic() < deadline:
                time.sleep(0.001)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        if temporaries(path.parent):
            return True
    return False


def test_a_save_killed_midway_leaves_the_checkpoint_loadable_and_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "model.npz"
    assert kill_during_a_save(path), "no save was interrupted midway: the test proved nothing"
    assert temporaries(tmp_path)  # what the killed save left: a stale temporary file
    expected = large_model()
    loaded = nn.Linear(3000, 3000)
    loaded.load(path)  # still the complete checkpoint of an earlier save: the rename is atomic
    np.testing.assert_array_equal(loaded.weight.data, expected.weight.data)
    expected.save(path)
    assert os.listdir(tmp_path) == ["model.npz"]  # the stale temporary file is gone
    loaded.load(path)
    np.testing.assert_array_equal(loaded.bias.data, expected.bias.data)


def test_a_running_saves_temporary_file_is_not_taken_for_stale(tmp_path):
    path = tmp_path / "model.npz"
    in_progress = tmp_path / ".tmp-model.npz-abcd1234.npz"  # the name another process's save would use
    with open(in_progress, "wb") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # held, as a live save holds it
        nn.Linear(2, 2).save(path)
        assert in_progress.exists()
    nn.Linear(2, 2).save(path)  # the lock is free now: its writer is gone
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_save_fsyncs_the_file_and_the_directory(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def recording_fsync(descriptor):
        synced.append("directory" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "file")
        real_fsync(descriptor)

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc to tell a directory's descriptor from a file's")
    monkeypatch.setattr(os, "fsync", recording_fsync)
    nn.Linear(2, 2).save(tmp_path / "model.npz")
    assert synced == ["file", "directory"]


# ----- read_idx header checks -----------------------------------------------------------------
def idx_header(type_code, shape):
    return bytes([0, 0, type_code, len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape)


def test_read_idx_refuses_a_header_whose_size_overflows_int64(tmp_path):
    path = tmp_path / "huge.idx"
    # 4 dimensions of 2**32 - 1 doubles: about 2**131 bytes; an int64 product wraps around silently
    path.write_bytes(idx_header(0x0E, [2**32 - 1] * 4) + b"\0" * 16)
    with pytest.raises(ValueError, match=r"huge\.idx has a damaged header: shape \(4294967295, .*more than any"):
        read_idx(path)


def test_read_idx_refuses_a_header_longer_than_the_file(tmp_path):
    path = tmp_path / "short.idx"
    path.write_bytes(idx_header(0x08, [3, 4, 5])[:10])  # the header declares 3 dimensions, then stops
    with pytest.raises(ValueError, match=r"short\.idx is truncated inside its header: 3 dimensions need a "
                                         r"16-byte header, the file has 10 bytes"):
        read_idx(path)
    path.write_bytes(idx_header(0x08, [1000, 1000]) + b"\0" * 10)
    with pytest.raises(ValueError, match=r"short\.idx holds 10 data bytes; its header \(shape \(1000, 1000\), "
                                         r"uint8\) needs 1000000"):
        read_idx(path)
