"""Experiment 10: greedy layer-wise pre-training (Hinton & Salakhutdinov 2006; Erhan et al. 2010),
sigmoid networks of depth 1-5 on the digits, random init vs pre-trained, the same fine-tuning."""
from __future__ import annotations

from pathlib import Path

from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, stream

import nn
import nn.functional as F
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Greedy layer-wise pre-training",
    claim=(
        "Deep sigmoid networks trained from a random init get stuck as depth grows; pre-training each "
        "layer as an autoencoder first gives a starting point from which they train."
    ),
    source="Hinton and Salakhutdinov 2006; Erhan et al. 2010 (taught in the lectures on pre-training)",
    look_at={
        "pretraining_vs_depth": (
            "Test error against depth: random init climbs to chance from a few layers on, pre-trained "
            "nets stay low."
        ),
    },
)

WIDTH = 100
PRETRAIN_EPOCHS, PRETRAIN_LR = 20, 3e-3  # each hidden layer as an autoencoder (Adam)
# then the whole network, plain SGD, for both inits; the last epochs at a tenth of the step, because at
# lr 0.5 SGD oscillates (a 1-layer net's training error jumps between 2% and 20% from epoch to epoch),
# and the final net must not be a snapshot of that oscillation
FINE_TUNE_SCHEDULE = ((50, 0.5), (10, 0.05))
FINE_TUNE_EPOCHS = sum(epochs for epochs, _ in FINE_TUNE_SCHEDULE)


def train_net(depth: int, pretrained: bool, data, seed: int) -> dict:
    x_train, x_test, y_train, y_test = data
    model = mlp([64] + [WIDTH] * depth + [10], nn.Sigmoid, generator=stream(seed, f"depth {depth}"))
    stages = []
    if pretrained:
        stages = nn.pretrain.pretrain_layerwise(model, x_train, epochs=PRETRAIN_EPOCHS, lr=PRETRAIN_LR, seed=seed)
    for epochs, lr in FINE_TUNE_SCHEDULE:
        nn.pretrain.fine_tune(model, x_train, y_train, F.cross_entropy, epochs=epochs, seed=seed,
                              make_optimizer=lambda params, lr=lr: nn.optim.SGD(params, lr=lr))
    return {"train_error": 1 - evaluate(model, x_train, y_train)[0],
            "test_error": 1 - evaluate(model, x_test, y_test)[0],
            "reconstruction": [s.final_loss / s.initial_loss for s in stages]}


def run(quick: bool = False, out_dir: Path = Path("out/e10_pretraining"), seed: int = 0) -> list:
    depths = [1, 4] if quick else [1, 2, 3, 4, 5]
    data = digits(seed=seed)
    results = {(d, p): train_net(d, p, data, seed) for d in depths for p in (False, True)}
    schedule = " then ".join(f"{epochs} at lr {lr:g}" for epochs, lr in FINE_TUNE_SCHEDULE)
    print_table(f"sigmoid MLPs with hidden layers of {WIDTH} on the digits; fine-tuning: {FINE_TUNE_EPOCHS} epochs "
                f"of SGD ({schedule}); pre-training: {PRETRAIN_EPOCHS} epochs per layer (Adam {PRETRAIN_LR})",
                ["hidden layers", "random init: train / test error", "pre-trained: train / test error",
                 "autoencoder error after / before, per layer"],
                [[str(d), _errors(results[d, False]), _errors(results[d, True]),
                  " ".join(f"{r:.3f}" for r in results[d, True]["reconstruction"])] for d in depths])
    _plot(results, depths, out_dir)
    random_errors = [results[d, False]["test_error"] for d in depths]
    pretrained_errors = [results[d, True]["test_error"] for d in depths]
    listing = ", ".join(f"depth {d}: {100 * r:.1f}% / {100 * p:.1f}%"
                        for d, r, p in zip(depths, random_errors, pretrained_errors))
    return [
        claim("random_fails_with_depth", "with random init the sigmoid net fails to train as depth grows "
              "(same fine-tuning budget)",
              f"random-init test error {100 * random_errors[0]:.1f}% at depth {depths[0]}, "
              f"{100 * random_errors[-1]:.1f}% at depth {depths[-1]} (chance 90%)",
              random_errors[0] < 0.1 and random_errors[-1] > 0.5,
              depths=depths, random=random_errors, shallowest=random_errors[0], deepest=random_errors[-1]),
        claim("pretrained_keeps_low_error", "greedy layer-wise pre-trained nets train at every depth, far from "
              "chance, and rescue the deepest, where random init fails (pre-training helps more as depth grows)",
              f"test error random / pre-trained: {listing}; worst pre-trained {100 * max(pretrained_errors):.1f}%",
              max(pretrained_errors) < 0.5 and pretrained_errors[-1] < 0.5 * random_errors[-1],
              depths=depths, pretrained=pretrained_errors, worst_pretrained=max(pretrained_errors),
              deepest_random=random_errors[-1], deepest_pretrained=pretrained_errors[-1]),
    ]


def _errors(result: dict) -> str:
    return f"{100 * result['train_error']:.1f}% / {100 * result['test_error']:.1f}%"


def _plot(results: dict, depths: list, out_dir: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for pretrained, label in ((False, "random init"), (True, "greedy layer-wise pre-training")):
        ax.plot(depths, [100 * results[d, pretrained]["test_error"] for d in depths], "o-", label=label)
    ax.axhline(90, color="gray", ls=":", label="chance")
    ax.set_xticks(depths)
    ax.set_xlabel("hidden sigmoid layers")
    ax.set_ylabel("test error (%)")
    ax.set_title("Pre-training rescues deep sigmoid nets")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir, "pretraining_vs_depth")


def main() -> None:
    main_for(run, "e10_pretraining", __doc__)


if __name__ == "__main__":
    main()
