"""What `Module.__call__` costs: a 50-layer model's forward through `model(x)` against the same
layers' `forward` methods chained by hand (no __call__, no hooks, no error naming).

    .venv/bin/python benchmarks/bench_module_call.py [--repeats 200] [--batch 32]

Both rows run the same NumPy work; their difference is the price of calling each module through
`__call__` (hook check, and the try/except that names a failing module's path, which costs
nothing unless an exception is raised). Each row is the median of `--rounds` medians of
`--repeats` forwards, the two interleaved so that load on a shared machine hits both alike. The
last row times the call alone on an `Identity` module (best of `--rounds`), the steadiest figure
for comparing two versions of `__call__`.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # before NumPy loads its BLAS

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402

DEPTH, WIDTH = 50, 16


def build() -> nn.Sequential:
    """50 blocks of (Linear 16, Tanh) in a Sequential, small enough that call overhead shows."""
    nn.manual_seed(0)
    layers = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.Tanh()]
    return nn.Sequential(*layers)


def by_hand(model: nn.Sequential, x):
    """The same forward with each layer's forward method called directly."""
    for layer in model:
        x = layer.forward(x)
    return x


def median_time(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    model = build()
    x = ag.tensor(np.random.default_rng(0).standard_normal((args.batch, WIDTH)).astype(np.float32))
    np.testing.assert_allclose(model(x).data, by_hand(model, x).data)  # the same work, or the comparison is void
    rows = {"model(x) (through __call__)": [], "layer.forward chained by hand": []}
    runs = {"model(x) (through __call__)": lambda: model(x), "layer.forward chained by hand": lambda: by_hand(model, x)}
    for run in runs.values():
        median_time(run, 20)  # warm-up
    for _ in range(args.rounds):
        for name, run in runs.items():
            rows[name].append(median_time(run, args.repeats))
    print(f"{DEPTH} x (Linear {WIDTH}, Tanh), batch {args.batch}, forward with grad recording:")
    results = {name: statistics.median(values) for name, values in rows.items()}
    for name, seconds in results.items():
        print(f"  {name:32s} {seconds * 1e6:8.1f} µs")
    called, direct = results.values()
    per_call = (called - direct) / (2 * DEPTH + 1)
    print(f"  __call__ overhead: {(called - direct) * 1e6:.1f} µs per forward, {per_call * 1e9:.0f} ns per module call")
    # the call alone, on a module whose forward does nothing: the minimum over rounds is robust to load
    identity = nn.Identity()
    calls = 100_000
    best = min(timeit.repeat(lambda: identity(x), number=calls, repeat=args.rounds))
    print(f"  Identity()(x), the call alone:   {best / calls * 1e9:8.0f} ns (best of {args.rounds} x {calls:,})")


if __name__ == "__main__":
    main()
