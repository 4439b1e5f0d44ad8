"""How long the pictures take: a 50-layer MLP's layer view and its full computation graph.

    .venv/bin/python benchmarks/bench_render.py [--repeats 5] [--large]

Each row is the median wall time (time.perf_counter) over the repeats; "render" rows include
Graphviz's `dot` laying the picture out to SVG. The last rows measure the Monitor's cost per
training step: without a monitor, with a disabled one (hooks present, one test each), and
recording. The issue's target: each picture in under a few seconds. BLAS runs on one thread
(unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say otherwise): on a shared 2-core machine a
threaded BLAS turns other processes' load into noise that swamps what is measured here.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # before NumPy loads its BLAS

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import viz  # noqa: E402

DEPTH, WIDTH, BATCH, CLASSES = 50, 64, 128, 10


def build():
    nn.manual_seed(0)
    layers, size = [], 32
    for _ in range(DEPTH - 1):
        layers += [nn.Linear(size, WIDTH), nn.ReLU()]
        size = WIDTH
    model = nn.Sequential(*layers, nn.Linear(size, CLASSES))
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((BATCH, 32)).astype(np.float32))
    y = ag.tensor(rng.integers(0, CLASSES, BATCH))
    return model, x, y


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def monitor_costs(rounds: int) -> dict[str, float]:
    """Median training-step time per monitor setting; the settings take turns, step by step, so
    that load from other processes falls on all of them alike."""
    settings = {
        "no monitor": {},
        "monitor disabled": {"enabled": False},
        "monitor recording": {},
        "monitor recording, no histograms": {"histograms": False},
        "monitor recording every 10th step": {"every": 10},
    }
    runs = {}
    for name, options in settings.items():
        model, x, y = build()
        monitor = None if name == "no monitor" else viz.Monitor(model, **options)
        runs[name] = (model, x, y, nn.optim.SGD(model.parameters(), lr=0.01), monitor)

    def step(model, x, y, optimizer, monitor):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if monitor is not None:
            monitor.step(loss)

    times: dict[str, list[float]] = {name: [] for name in settings}
    for round_number in range(rounds + 2):
        for name, run in runs.items():
            gc.collect()  # the recording monitors' garbage must not be collected in others' steps
            start = time.perf_counter()
            step(*run)
            if round_number >= 2:  # two warm-up rounds
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def residual_graph(blocks: int):
    """A residual-style graph of 13 nodes per block (branches and merges, harder for dot than a chain)."""
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((32, 16)))
    h, names = x, {}
    for i in range(blocks):
        w = ag.tensor(rng.standard_normal((16, 16)) / 4, requires_grad=True)
        names[f"block{i}.weight"] = w
        a = ag.tanh(h @ w)
        s = ag.sigmoid(h @ w * 2.0)
        h = h + a * s - (a.mean(axis=0) * h).sum(axis=1, keepdims=True) * 0.01
    loss = (h * h).mean()
    tr = viz.trace(loss, names=names)
    loss.backward()
    return tr


def large_graphs(repeats: int) -> None:
    """Where max_nodes=2000 comes from: dot's time on residual-style graphs around that size."""
    print(f"\nfull computation graph, residual-style, build + render SVG (median of {repeats})")
    print(f"{'nodes':>6}  {'edges':>6}  {'seconds':>8}")
    for blocks in (100, 150, 200, 400):
        tr = residual_graph(blocks)
        seconds = median_seconds(lambda tr=tr: viz.draw_graph(tr, max_nodes=None).pipe(format="svg"), repeats)
        print(f"{len(tr):>6}  {len(tr.edges):>6}  {seconds:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--large", action="store_true", help="also time 1,300-5,200-node graphs (slow)")
    arguments = parser.parse_args()
    repeats = arguments.repeats
    model, x, y = build()
    step_seconds = monitor_costs(repeats * 8)
    monitor = viz.Monitor(model)
    for _ in range(3):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        monitor.step(loss)

    def traced_graph():
        loss = F.cross_entropy(model(x), y)
        tr = viz.trace(loss, model)
        loss.backward()
        return tr

    tr = traced_graph()
    nodes = len(tr)
    rows = [
        ("layer view from a Monitor: build", median_seconds(lambda: viz.draw_model(monitor), repeats)),
        ("layer view from a Monitor: build + render SVG",
         median_seconds(lambda: viz.draw_model(monitor).pipe(format="svg"), repeats)),
        ("layer view from (model, loss): trace + side backward + render SVG",
         median_seconds(lambda: viz.draw_model(model, F.cross_entropy(model(x), y)).pipe(format="svg"), repeats)),
        (f"computation graph ({nodes} nodes): forward + trace + backward", median_seconds(traced_graph, repeats)),
        (f"computation graph ({nodes} nodes): build", median_seconds(lambda: viz.draw_graph(tr), repeats)),
        (f"computation graph ({nodes} nodes): build + render SVG",
         median_seconds(lambda: viz.draw_graph(tr).pipe(format="svg"), repeats)),
        *[(f"training step, {variant}", seconds) for variant, seconds in step_seconds.items()],
    ]
    print(f"viz rendering, {DEPTH}-layer MLP (width {WIDTH}, batch {BATCH}), median of {repeats} runs")
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  {'seconds':>9}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds:9.4f}")
    plain, layers = step_seconds["no monitor"], 2 * DEPTH - 1
    print(f"monitor: disabled {100 * (step_seconds['monitor disabled'] / plain - 1):+.1f}% per step; "
          f"recording costs {1e3 * (step_seconds['monitor recording'] - plain) / layers:.2f} ms per layer "
          f"per recorded step ({1e3 * (step_seconds['monitor recording, no histograms'] - plain) / layers:.2f} "
          "ms without histograms)")
    if arguments.large:
        large_graphs(max(1, repeats // 2))

if __name__ == "__main__":
    main()
