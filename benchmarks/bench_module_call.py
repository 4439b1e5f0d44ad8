"""What naming the failing module costs on the normal path: a 50-layer model's forward with
`Module.__call__` as it is (a `try` around forward, so an exception can name the module's path)
against the same `__call__` without the `try` (the code before error naming), and against the
layers' `forward` methods chained by hand (no `__call__` at all).

    .venv/bin/python benchmarks/bench_module_call.py [--rounds 15] [--repeats 100]

All three run in one process, interleaved round by round, so load on a shared machine hits them
alike; each row is the best (minimum) over the rounds of the median of `--repeats` forwards, the
figure least disturbed by other processes. The last rows time the call alone on an `Identity`
module (best of the rounds of 100,000 calls).
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
WITH_TRY = nn.Module.__call__


def call_without_try(self, *args, **kwargs):
    """Module.__call__ as it was before exceptions named the module (no try)."""
    if self._forward_pre_hooks or self._forward_hooks:
        return self._call_with_hooks(args, kwargs)
    return self.forward(*args, **kwargs)


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
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    model = build()
    identity = nn.Identity()
    x = ag.tensor(np.random.default_rng(0).standard_normal((args.batch, WIDTH)).astype(np.float32))
    np.testing.assert_allclose(model(x).data, by_hand(model, x).data)  # the same work, or the comparison is void
    variants = {"__call__ (try around forward)": WITH_TRY, "__call__ without the try": call_without_try}
    forwards = {name: [] for name in [*variants, "forward methods chained by hand"]}
    calls = {name: [] for name in variants}
    count = 100_000
    for _ in range(args.rounds):
        for name, call in variants.items():
            nn.Module.__call__ = call
            forwards[name].append(median_time(lambda: model(x), args.repeats))
            calls[name].append(min(timeit.repeat(lambda: identity(x), number=count, repeat=1)) / count)
        forwards["forward methods chained by hand"].append(median_time(lambda: by_hand(model, x), args.repeats))
    nn.Module.__call__ = WITH_TRY
    print(f"{DEPTH} x (Linear {WIDTH}, Tanh), batch {args.batch}, forward with grad recording "
          f"(best of {args.rounds} rounds):")
    for name, values in forwards.items():
        print(f"  {name:34s} {min(values) * 1e6:8.1f} µs")
    print(f"Identity()(x), the call alone (best of {args.rounds} rounds of {count:,}):")
    for name, values in calls.items():
        print(f"  {name:34s} {min(values) * 1e9:8.0f} ns")


if __name__ == "__main__":
    main()
