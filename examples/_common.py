"""Shared plumbing of the experiment scripts: the command line, tables, figure saving, claims."""
from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only: the experiments run headless in CI
import matplotlib.pyplot as plt  # noqa: E402

from gradsight.claims import ClaimResult, format_claims, format_table  # noqa: E402

if TYPE_CHECKING:
    import numpy as np
    from graphviz import Digraph
    from matplotlib.figure import Figure

    from autograd import Tensor
    from nn import Module, Parameter, Sequential
    from nn.optim import Optimizer
    from viz import Monitor

# progress bars (viz.progress, tqdm) for standalone full-size runs in a terminal; off in the tour and tests
SHOW_PROGRESS = False

__all__ = ["ClaimResult", "plt", "claim", "not_reproduced", "stream", "print_table", "save_figure", "save_graph",
           "main_for", "mlp", "digits", "train", "evaluate", "activation_outputs"]


def claim(key: str, text: str, measured: str, holds: bool | np.bool_, **values: Any) -> ClaimResult:
    """A ClaimResult whose raw numbers are converted to plain Python (for JSON and tests)."""
    return ClaimResult(key, text, measured, bool(holds), {k: _plain(v) for k, v in values.items()})


def not_reproduced(key: str, text: str, measured: str, **values: Any) -> ClaimResult:
    """A claim the tour states up front it cannot reproduce at this scale (`text` gives the reason)."""
    return ClaimResult(key, text, measured, False, {k: _plain(v) for k, v in values.items()}, "not reproduced")


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for one named use (data, init, a direction, ...) derived from the tour's seed.

    Different names give independent streams, so adding a draw in one place never shifts another."""
    import numpy as np

    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _plain(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    """Print a titled plain-text table (numbers already formatted by the caller)."""
    print(f"\n{title}\n{format_table([[str(c) for c in row] for row in rows], header)}")


def save_figure(fig: Figure, out_dir: Path, name: str) -> Path:
    """Write a matplotlib figure as PNG into `out_dir` and close it."""
    path = Path(out_dir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not fig.get_constrained_layout():
        fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def save_graph(digraph: Digraph, out_dir: Path, name: str, formats: tuple[str, ...] = ("svg",)) -> list[Path]:
    """Render a graphviz.Digraph with the system `dot` into `out_dir` (SVG by default)."""
    paths = []
    for fmt in formats:
        written = digraph.render(filename=name, directory=str(out_dir), format=fmt, cleanup=True)
        paths.append(Path(written))
    return paths


def main_for(run: Callable, experiment: str, description: str) -> None:
    """The command line every experiment shares: --quick, --out DIR, --seed K; prints the claims table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="reduced sizes (a few seconds)")
    parser.add_argument("--out", type=Path, default=Path("out") / experiment,
                        help=f"folder for the figures (default: out/{experiment})")
    parser.add_argument("--seed", type=int, default=0, help="seed of data, init and training (default 0)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    global SHOW_PROGRESS
    SHOW_PROGRESS = sys.stderr.isatty() and not args.quick
    import nn

    nn.manual_seed(args.seed)  # as the tour does
    results = run(quick=args.quick, out_dir=args.out, seed=args.seed)
    print("\n" + format_claims(results))
    print(f"\nfigures in {args.out}/")
    sys.exit(0)


# ----- models, data and a training loop shared by the experiments ------------------------
def mlp(sizes: list[int], activation: Callable[[], Module], generator: np.random.Generator | int,
        initializer: Callable[[Parameter, np.random.Generator], Any] | None = None,
        bias: float | None = None, batch_norm: bool = False) -> Sequential:
    """Sequential of Linear layers with `activation()` after every hidden one, all drawn from ONE stream.

    `generator` is a numpy Generator or an int seeding one stream for the whole model (so no two
    layers are alike); `initializer(weight, generator)` replaces PyTorch's default weight init, `bias`
    sets every bias to a constant, `batch_norm` puts a BatchNorm1d between each hidden Linear and activation.
    """
    import numpy as np

    import nn

    if not isinstance(generator, np.random.Generator):
        generator = np.random.default_rng(generator)  # one stream for the whole model
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out, generator=generator)
        if initializer is not None:
            initializer(linear.weight, generator)
        if bias is not None:
            nn.init.constant_(linear.bias, bias)
        layers.append(linear)
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(fan_out))
            layers.append(activation())
    return nn.Sequential(*layers)


def digits(seed: int = 0, test_size: float = 0.25) -> list[np.ndarray]:
    """The shipped 8x8 digits split into (x_train, x_test, y_train, y_test), stratified and seeded."""
    import nn

    x, y = nn.data.load_digits()
    return nn.data.train_test_split(x, y, test_size=test_size, seed=seed, stratify=y)


def evaluate(model: Module, x: np.ndarray, y: np.ndarray,
             loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None) -> tuple[float, float]:
    """(accuracy, mean loss) of a classifier on a whole data set, in eval mode without a graph."""
    import autograd as ag
    import nn.functional as F

    was_training = model.training
    model.eval()
    with ag.no_grad():
        logits = model(ag.tensor(x))
        loss = (loss_fn or F.cross_entropy)(logits, ag.tensor(y)).item()
    model.train(was_training)
    return F.accuracy(logits, y), loss


def train(model: Module, x: np.ndarray, y: np.ndarray, steps: int, optimizer: Optimizer, batch_size: int = 64,
          seed: int = 0, every: int = 0, callback: Callable[[int, Module], Any] | None = None,
          loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None, monitor: Monitor | None = None) -> list[float]:
    """Mini-batch training for exactly `steps` steps; returns the training loss of every step.

    `callback(step, model)` runs before step 0 and after every `every` steps (and the last);
    a `viz.Monitor` closes its record after each optimizer step."""
    import nn
    import nn.functional as F
    import viz

    loss_fn = loss_fn or F.cross_entropy
    loader = nn.data.DataLoader(x, y, batch_size=batch_size, shuffle=True, seed=seed, drop_last=True)
    losses: list[float] = []
    if callback is not None:
        callback(0, model)
    with viz.progress(total=steps, desc="train", enabled=SHOW_PROGRESS and steps >= 100) as bar:
        while len(losses) < steps:
            for xb, yb in loader:
                loss = loss_fn(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if monitor is not None:
                    monitor.step(loss)
                losses.append(loss.item())
                done = len(losses)
                bar.update()
                if done % 20 == 0:
                    bar.set(loss=losses[-1])
                if callback is not None and every and (done % every == 0 or done == steps):
                    callback(done, model)
                if done == steps:
                    break
    return losses


def activation_outputs(model: Module, x: np.ndarray) -> list[tuple[str, Module, np.ndarray]]:
    """(module path, module, output array) of every activation module of `model` on inputs `x`, no graph."""
    import autograd as ag
    from viz.health import activation_kind

    records, handles = [], []
    for name, module in model.named_modules():
        if name and activation_kind(type(module).__name__) is not None:
            handles.append(module.register_forward_hook(
                lambda mod, inputs, output, name=name: records.append((name, mod, output.data))))
    try:
        with ag.no_grad():
            model(ag.tensor(x))
    finally:
        for handle in handles:
            handle.remove()
    return records
