"""Who takes part: each contender is a peer module run in a venv, with a variant and a label."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS_DIR.parent
ENVS_DIR = BENCHMARKS_DIR / ".envs"


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    env: str        # venv name under benchmarks/.envs
    module: str     # file under benchmarks/peers
    variant: str = ""
    tracemalloc: bool = False   # NumPy-based: its allocations are visible to tracemalloc
    keeps_kernel_setting: bool = False  # runs with the environment's OPENBLAS_CORETYPE instead of without

    def python(self) -> Path | None:
        """The venv's interpreter; gradsight falls back to this interpreter (which has the repo)."""
        candidate = ENVS_DIR / self.env / "bin" / "python"
        if candidate.exists():
            return candidate
        if self.env == "gradsight":
            return Path(sys.executable)
        return None

    def environment(self, threads: int) -> dict[str, str]:
        dropped = _DROPPED_VARIABLES - ({"OPENBLAS_CORETYPE"} if self.keeps_kernel_setting else set())
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        for name in _THREAD_VARIABLES:
            env[name] = str(threads)
        if self.env == "gradsight":
            env["PYTHONPATH"] = str(REPO_ROOT)  # the work tree's autograd and nn, never HIPS autograd
        if self.env == "tinygrad":
            env["DEV"] = "CPU"
        return env


# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pin old-OpenBLAS workarounds that slow a current NumPy:
# unset both for every peer alike (the runner records which kernel then runs); PYTHONPATH could
# put the repository's `autograd` in front of HIPS autograd.
_DROPPED_VARIABLES = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "PYTHONPATH"}
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                     "NUMEXPR_NUM_THREADS")

CONTENDERS: dict[str, Contender] = {c.key: c for c in [
    Contender("floor", "NumPy floor", "gradsight", "floor", tracemalloc=True),
    Contender("floor_env_kernel", "NumPy floor (environment's OPENBLAS_CORETYPE)", "gradsight", "floor",
              keeps_kernel_setting=True),
    Contender("gradsight", "gradsight", "gradsight", "gradsight_peer", "nn", tracemalloc=True),
    Contender("gradsight_core", "gradsight (core ops)", "gradsight", "gradsight_peer", "core", tracemalloc=True),
    Contender("torch", "PyTorch", "torch", "torch_peer"),
    Contender("mygrad", "MyGrad", "mygrad", "mygrad_peer", tracemalloc=True),
    Contender("hips_autograd", "HIPS autograd", "hips_autograd", "hips_autograd_peer", tracemalloc=True),
    Contender("micrograd", "micrograd", "micrograd", "micrograd_peer"),
    Contender("tinygrad", "tinygrad", "tinygrad", "tinygrad_peer"),
]}

GRADSIGHT_KEYS = ("gradsight", "gradsight_core")
# gradcheck is gradsight's own tool; the per-op cases run the same code in both gradsight variants,
# so only "gradsight" runs them, and "gradsight_core" runs the networks and their memory
ONLY_CONTENDERS = {"gradcheck_full": ("gradsight",), "gradcheck_fast": ("gradsight",)}
NETWORK_CASES = ("mlp", "mlp_bn", "deep", "tiny", "memory")


def takes_part(key: str, case: str) -> bool:
    """Whether contender `key` is run on `case` at all."""
    if case in ONLY_CONTENDERS:
        return key in ONLY_CONTENDERS[case]
    if key == "floor_env_kernel":
        return case in NETWORK_CASES and case != "memory"  # BLAS-bound cases, where the kernel matters
    return key != "gradsight_core" or case in NETWORK_CASES
