"""Random expression graphs built from the whole registry, checked end to end against numerical
gradients; Hypothesis shrinks a failure to the smallest failing graph.

Each step applies one registered op (drawn from the specs) to inputs drawn by that op's spec, so
they lie in its domain and away from its kinks. An input is either a fresh leaf or an earlier
node ``t`` of the graph, wired in as ``a + c * (adapt(t) - adapt(t)₀)``: its value is the drawn
``a`` exactly, while the gradient flows through ``t`` (reused tensors, diamonds). ``adapt``
broadcasts, reshapes or reduces ``t`` to the needed shape, so broadcasting and reductions also
join the paths between ops. The end-to-end output is a random weighted sum of the unused nodes.
"""
import math

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

import autograd as ag
import tests.specs  # noqa: F401  (fills SPECS)
from autograd.testing import SPECS, gradcheck
from autograd.testing import strategies as gst
from tests.test_registry import _load_op_packages

_load_op_packages()
# a spec that needs a larger step rounds its result (a cast to float32): it cannot join a float64 check
GRAPH_SPECS = sorted((s for specs in SPECS.values() for s in specs if s.eps <= 1e-6), key=lambda s: s.id)
COEFFICIENTS = (1.0, -0.5, 1.5)


def _adapt(tensor, shape, how):
    """`tensor` made to broadcast against `shape`: as it is, reshaped, or reduced to a scalar."""
    if how == "reduce":
        return tensor.mean() if tensor.size else tensor.sum()  # the mean of nothing is NaN, its sum 0
    if _broadcasts(tensor.shape, shape):
        return tensor
    if tensor.size == math.prod(shape):
        return tensor.reshape(shape)
    return tensor.sum()


def _broadcasts(small, big):
    try:
        return np.broadcast_shapes(small, big) == tuple(big)
    except ValueError:
        return False


class RandomGraph:
    """A recorded program: replaying it on new leaf values rebuilds the same graph."""

    def __init__(self):
        self.leaves: list[np.ndarray] = []
        self.steps: list[tuple] = []  # (spec, params, [input recipes])
        self.weights: list[np.ndarray] = []
        self.sinks: list[int] = []

    def replay(self, *leaves):
        nodes = list(leaves)
        for spec, params, recipes in self.steps:
            inputs = []
            for recipe in recipes:
                if recipe[0] == "const":
                    inputs.append(ag.tensor(recipe[1]))
                else:
                    _, node, value, coefficient, how, base = recipe
                    adapted = _adapt(nodes[node], value.shape, how)
                    inputs.append(ag.tensor(value) + coefficient * (adapted - ag.tensor(base)))
            nodes.append(spec.fn(*inputs, **params))
        return sum((nodes[k] * ag.tensor(w)).sum() for k, w in zip(self.sinks, self.weights))

    def describe(self) -> str:
        lines = [f"leaf {i}: shape {a.shape}" for i, a in enumerate(self.leaves)]
        for k, (spec, params, recipes) in enumerate(self.steps):
            sources = [f"node {r[1]} ({r[4]})" if r[0] == "node" else "constant" for r in recipes]
            lines.append(f"node {len(self.leaves) + k} = {spec.id}({', '.join(sources)}) params={params}")
        return "\n".join(lines)


@st.composite
def random_graphs(draw, max_ops=5):
    graph = RandomGraph()
    graph.leaves = [draw(gst.arrays()) for _ in range(draw(st.integers(1, 2)))]
    nodes = [ag.tensor(a) for a in graph.leaves]
    used = set()
    for _ in range(draw(st.integers(1, max_ops))):
        spec = draw(st.sampled_from(GRAPH_SPECS))
        case = spec.sample(draw)
        recipes, inputs = [], []
        for i, value in enumerate(case.arrays):
            value = np.asarray(value)
            if not (spec.is_differentiable(i) and value.dtype.kind == "f"):
                recipes.append(("const", value))
                inputs.append(ag.tensor(value))
                continue
            node = draw(st.integers(0, len(nodes) - 1))
            how = draw(st.sampled_from(["fit", "reduce"]))
            base = _adapt(nodes[node], value.shape, how).data
            coefficient = draw(st.sampled_from(COEFFICIENTS))
            recipes.append(("node", node, value, coefficient, how, base))
            inputs.append(ag.tensor(value))
            used.add(node)
        out = spec.fn(*inputs, **case.params)
        graph.steps.append((spec, case.params, recipes))
        nodes.append(out)
    graph.sinks = [k for k in range(len(graph.leaves), len(nodes)) if k not in used] or [len(nodes) - 1]
    rng = np.random.default_rng(len(nodes))
    graph.weights = [rng.standard_normal(nodes[k].shape) for k in graph.sinks]
    return graph


@settings(max_examples=max(100, settings().max_examples))  # cheap examples: at least 100
@given(graph=random_graphs(max_ops=6))
def test_random_graph_gradients_match_numerical(graph):
    note(graph.describe())
    leaves = [ag.tensor(a, requires_grad=True) for a in graph.leaves]
    gradcheck(graph.replay, leaves, atol=1e-5, rtol=1e-3)


def test_random_graphs_cover_the_registry():
    """Every spec can be drawn: the graphs range over the whole registry."""
    assert {s.name for s in GRAPH_SPECS} >= set(ag.REGISTRY) - {"cast"}
