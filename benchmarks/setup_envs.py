"""Create one virtual environment per peer under benchmarks/.envs/<peer> (idempotent).

Usage: python benchmarks/setup_envs.py [peer ...]      (default: every peer)

Each peer gets its own venv because import names clash (HIPS `autograd` vs ours). Every venv
gets the same NumPy as the interpreter that runs this script, so the floor and the NumPy-based
peers share one BLAS. A venv whose requirements are unchanged is left as it is.
"""
from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np

ENVS_DIR = Path(__file__).resolve().parent / ".envs"
NUMPY = f"numpy=={np.__version__}"

# Pinned so that a rerun measures the same code; gradsight itself comes from the work tree (PYTHONPATH).
PEER_REQUIREMENTS: dict[str, list[str]] = {
    "gradsight": [NUMPY, "threadpoolctl"],
    "torch": ["torch==2.13.0", NUMPY, "threadpoolctl", "expecttest"],  # expecttest: for tools/opinfo_check.py
    "mygrad": ["mygrad==2.5.0", NUMPY, "threadpoolctl"],
    "hips_autograd": ["autograd==1.9.1", NUMPY, "threadpoolctl"],
    "micrograd": ["micrograd==0.1.0", NUMPY, "threadpoolctl"],
    "tinygrad": ["tinygrad==0.14.0", NUMPY, "threadpoolctl"],
}

# Imported after install to prove the venv works (and that torch is the CPU build).
IMPORT_CHECKS = {
    "gradsight": "import numpy",
    "torch": "import torch; assert torch.version.cuda is None, 'a CUDA build of torch was installed'",
    "mygrad": "import mygrad",
    "hips_autograd": "import autograd.numpy",
    "micrograd": "import micrograd.engine",
    "tinygrad": "import tinygrad",
}


def env_python(peer: str) -> Path:
    return ENVS_DIR / peer / "bin" / "python"


def setup(peer: str) -> bool:
    """Create or update one peer's venv; True when it imports afterwards."""
    env_dir = ENVS_DIR / peer
    marker = env_dir / "requirements.json"
    wanted = PEER_REQUIREMENTS[peer]
    if marker.exists() and json.loads(marker.read_text()) == wanted and _imports(peer):
        print(f"[{peer}] up to date")
        return True
    print(f"[{peer}] installing {' '.join(wanted)}", flush=True)
    if not env_python(peer).exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    result = subprocess.run([str(env_python(peer)), "-m", "pip", "install", "--quiet", *wanted],
                            capture_output=True, text=True)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if not line.startswith("WARNING: Location")]
        print(f"[{peer}] pip failed:\n" + "\n".join(errors[-15:]))
        return False
    if not _imports(peer):
        return False
    marker.write_text(json.dumps(wanted))
    print(f"[{peer}] ready")
    return True


def _imports(peer: str) -> bool:
    # cwd outside the repository: `python -c` puts cwd on sys.path, where our `autograd` would shadow HIPS'
    result = subprocess.run([str(env_python(peer)), "-c", IMPORT_CHECKS[peer]], capture_output=True, text=True,
                            cwd=ENVS_DIR)
    if result.returncode != 0:
        print(f"[{peer}] import check failed: {result.stderr.strip().splitlines()[-1:]}")
    return result.returncode == 0


def main(argv: list[str]) -> int:
    peers = argv or list(PEER_REQUIREMENTS)
    unknown = [p for p in peers if p not in PEER_REQUIREMENTS]
    if unknown:
        print(f"unknown peer(s) {unknown}; choose from {list(PEER_REQUIREMENTS)}")
        return 2
    ENVS_DIR.mkdir(parents=True, exist_ok=True)
    failed = [p for p in peers if not setup(p)]
    if failed:
        print(f"failed: {failed} (the benchmark table reports these peers as not installed)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
