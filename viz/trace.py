"""The pure walk: a graph's ops, leaves and edges with value, unit-health and gradient statistics.

`trace(loss)` walks the graph iteratively (no recursion limit) in a deterministic data-flow order
and records what can be known now: shapes, dtypes, parameter names, forward values (saved by the
ops, or recomputed for pure ops) and the unit health of activations. Gradients of op outputs are
not kept by the engine, so `trace` hooks every op node: the next `backward` fills them in. Leaf
gradients are read from `.grad` whenever the trace is looked at. Nothing here draws.
"""
from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .health import (
    DEFAULT_THRESHOLDS,
    ActivationStats,
    GradStats,
    Thresholds,
    activation_flags,
    activation_kind,
    activation_stats,
    gradient_flags,
    gradient_stats,
    value_stats,
)

if TYPE_CHECKING:
    from autograd import Function, Tensor
    from nn import Module

RECOMPUTE_LIMIT = 10_000_000  # elements; larger outputs are not recomputed for their values


@dataclass
class Node:
    """One vertex of a traced graph: an op, a parameter, another leaf, or a constant input."""

    id: str
    kind: str  # "op", "parameter", "leaf" or "constant"
    name: str  # op name, parameter path ("layers.2.weight"), "leaf" or "constant"
    shape: tuple
    dtype: str
    module: str | None = None  # the module path owning this op or parameter, when known
    params: dict = field(default_factory=dict)
    value: object = None  # ValueStats of the forward value, when known
    activation: ActivationStats | None = None
    grad: GradStats | None = None
    grad_ratio: float | None = None  # grad RMS / the largest RMS of its family
    backward_calls: int = 0
    flags: list[str] = field(default_factory=list)
    is_root: bool = False

    @property
    def is_leaf(self) -> bool:
        """True for parameters and other leaves (not ops, not constants)."""
        return self.kind in ("parameter", "leaf")


@dataclass(frozen=True)
class Edge:
    """Data flows from `source` into input number `index` of `target` (node ids)."""

    source: str
    target: str
    index: int


class _GradRecorder:
    """An op-node hook: records the statistics of the gradient of the op's output."""

    def __init__(self, record: Node):
        self.record = record

    def __call__(self, grad) -> None:
        self.record.grad = gradient_stats(grad.data)
        self.record.backward_calls += 1


class _FusedStagesRecorder:
    """A fused node's hook for the ops it stands for, but the last: their output gradients, from the
    node's output gradient and what it saved (read before the node's backward frees them)."""

    def __init__(self, records: list[Node], node):
        self.records = records
        self.node = weakref.ref(node)

    def __call__(self, grad) -> None:
        node = self.node()
        if node is None or not node.saved:
            return
        stage_grads = [g for layer in type(node).layer_grads(node, grad.data) for g in layer if g is not None]
        for record, stage_grad in zip(self.records, stage_grads):  # the last stage's is the node's own
            record.grad = gradient_stats(np.asarray(stage_grad))
            record.backward_calls += 1


class Trace:
    """The result of `trace`: nodes in data-flow order (inputs first, root last) and edges."""

    def __init__(self, nodes: list[Node], edges: list[Edge], thresholds: Thresholds) -> None:
        self._nodes = nodes
        self.edges = edges
        self.thresholds = thresholds
        self.notes: list[str] = []
        self._by_id = {node.id: node for node in nodes}
        self._objects: dict[int, tuple[weakref.ref, Node]] = {}  # id(graph object) -> (ref, record)
        self._leaves: list[tuple[Node, weakref.ref]] = []
        self._captured: dict[str, np.ndarray] = {}  # leaf gradients of a gradients="compute" trace
        self._hooked: list[tuple[weakref.ref, _GradRecorder]] = []
        self._fused_stages: dict[int, list[Node]] = {}  # id(fused graph node) -> records of its ops but the last

    # ----- looking things up ------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        """Every node in data-flow order, with leaf gradients and flags brought up to date."""
        self.update()
        return self._nodes

    @property
    def root(self) -> Node:
        """The node of the traced root (the loss), last in data-flow order."""
        return self._nodes[-1]

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def node(self, key: Tensor | Function | str) -> Node:
        """The record of a Tensor (its op, or the leaf itself), a parameter name or a node id."""
        self.update()
        if isinstance(key, str):
            if key in self._by_id:
                return self._by_id[key]
            for node in self._nodes:
                if node.kind == "parameter" and node.name == key:
                    return node
            matches = self.find(key)
            if len(matches) == 1:
                return matches[0]
            raise KeyError(f"trace: no single node named {key!r} ({len(matches)} ops have that name; "
                           "use find() or pass the Tensor)")
        target = getattr(key, "grad_fn", None) or key
        entry = self._objects.get(id(target))
        if entry is None or entry[0]() is not target:
            raise KeyError("trace: that tensor is not part of the traced graph")
        return entry[1]

    def find(self, name: str) -> list[Node]:
        """Every node with this op or parameter name, in data-flow order."""
        self.update()
        return [node for node in self._nodes if node.name == name]

    def parameters(self) -> list[Node]:
        """The parameter nodes, in data-flow order."""
        return [node for node in self.nodes if node.kind == "parameter"]

    def flagged(self) -> list[Node]:
        """Nodes with a problem: vanishing/exploding/NaN/Inf gradients, dead or saturated units."""
        return [node for node in self.nodes if node.flags]

    @property
    def has_gradients(self) -> bool:
        """True once any node has a recorded gradient."""
        return any(node.grad is not None for node in self.nodes)

    # ----- keeping up with backward -----------------------------------------------------
    def update(self) -> None:
        """Read leaf gradients (from `.grad`, or from a computed pass) and recompute the flags."""
        for record, ref in self._leaves:
            captured = self._captured.get(record.id)
            if captured is not None:
                record.grad = gradient_stats(captured)
                continue
            tensor = ref()
            grad = None if tensor is None else tensor.grad
            record.grad = None if grad is None else gradient_stats(grad.data)
        _diagnose(self._nodes, self.edges, self.thresholds)

    def remove_hooks(self) -> None:
        """Stop recording op gradients (the hooks also vanish with the graph itself)."""
        for ref, recorder in self._hooked:
            node = ref()
            if node is not None and node.hooks and recorder in node.hooks:
                node.hooks.remove(recorder)
        self._hooked.clear()

    def summary(self) -> str:
        """A plain-text table of every node: shape, value, gradient RMS and flags."""
        self.update()
        rows = [f"{'id':>5}  {'kind':9}  {'name':24}  {'shape':14}  {'mean':>9}  {'grad rms':>9}  flags"]
        for node in self._nodes:
            mean = "" if node.value is None else f"{node.value.mean:.3g}"
            rms = "" if node.grad is None else f"{node.grad.rms:.3g}"
            words = ", ".join(node.flags)
            rows.append(f"{node.id:>5}  {node.kind:9}  {node.name[:24]:24}  {str(node.shape)[:14]:14}  "
                        f"{mean:>9}  {rms:>9}  {words}")
        return "\n".join(rows + self.notes)

    def _repr_html_(self) -> str:
        """Jupyter's display: the flagged nodes and the picture (see viz.notebook)."""
        from .notebook import trace_html

        return trace_html(self)

    def __repr__(self) -> str:
        ops = sum(node.kind == "op" for node in self._nodes)
        return f"<Trace: {ops} ops, {len(self._nodes) - ops} other nodes, {len(self.edges)} edges>"


def _family(node: Node) -> str:
    return "leaf" if node.is_leaf else "op"


def _diagnose(nodes: list[Node], edges: list[Edge], thresholds: Thresholds) -> None:
    """Set `flags` and `grad_ratio` of every node; references are the largest RMS per family."""
    reference = {"leaf": 0.0, "op": 0.0}
    fallback = {"leaf": 0.0, "op": 0.0}
    for node in nodes:
        grad = node.grad
        if grad is None or not np.isfinite(grad.rms):
            continue
        family = _family(node)
        fallback[family] = max(fallback[family], grad.rms)
        # op outputs after the last reduction (the loss head) carry O(1) gradients; the rest carry
        # 1/batch-sized ones, so only non-scalar op outputs set the op reference
        if family == "leaf" or grad.size > 1:
            reference[family] = max(reference[family], grad.rms)
    for family in reference:
        reference[family] = reference[family] or fallback[family]

    for node in nodes:
        flags = []
        if node.value is not None:
            if node.value.nan_count:
                flags.append("value NaN")
            if node.value.inf_count:
                flags.append("value Inf")
        grad = node.grad
        node.grad_ratio = None
        if grad is not None:
            if grad.nan_count:
                flags.append("NaN")
            if grad.inf_count:
                flags.append("Inf")
            if np.isfinite(grad.rms):
                grad_flags, node.grad_ratio = gradient_flags(grad, reference[_family(node)], thresholds)
                flags += grad_flags
        flags += activation_flags(node.activation, thresholds)
        node.flags = flags
    _mark_origins(nodes, edges)


def _bad_kinds(stats) -> set[str]:
    if stats is None:
        return set()
    return {kind for kind, count in (("NaN", stats.nan_count), ("Inf", stats.inf_count)) if count}


def _mark_origins(nodes: list[Node], edges: list[Edge]) -> None:
    """Name the op where a NaN/Inf first appears: in its forward value, or in the gradient its
    backward hands to its inputs while its own gradient was still free of it."""
    by_id = {node.id: node for node in nodes}
    inputs: dict[str, list[Node]] = {}
    for edge in edges:
        inputs.setdefault(edge.target, []).append(by_id[edge.source])
    for node in nodes:
        parents = inputs.get(node.id, [])
        if node.kind != "op" or not parents:
            continue
        for kind in sorted(_bad_kinds(node.value)):
            if all(parent.value is not None and kind not in _bad_kinds(parent.value) for parent in parents):
                node.flags.append(f"{kind} starts here")
        own = _bad_kinds(node.grad)
        for kind in sorted(set().union(*(_bad_kinds(parent.grad) for parent in parents)) - own):
            if node.grad is not None:
                node.flags.append(f"backward makes {kind}")


def _parameter_names(model, names) -> dict[int, str]:
    """id(tensor) -> dotted name, from model.named_parameters() and a {name: tensor} mapping."""
    found: dict[int, str] = {}
    if model is not None:
        if not hasattr(model, "named_parameters"):
            raise TypeError(f"trace: model must have named_parameters() (a Module); got {type(model).__name__}")
        for name, parameter in model.named_parameters():
            found.setdefault(id(parameter), name)
    if names is not None:
        if not isinstance(names, Mapping):
            raise TypeError("trace: names must be a mapping {name: Tensor}")
        for name, tensor in names.items():
            found[id(tensor)] = str(name)
    return found


def _short_params(params: dict) -> dict:
    """Op keyword params as short strings for labels (indices and arrays are summarized)."""
    short = {}
    for key, value in params.items():
        if isinstance(value, np.ndarray):
            short[key] = f"array{value.shape}"
        else:
            text = repr(value)
            short[key] = text if len(text) <= 24 else text[:21] + "..."
    return short


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str, np.dtype, type))


def _recomputable(node) -> bool:
    """Pure ops only: the core's ops, and nn's functional ops and activations whose params are
    plain settings (an array param may be updated in place, as batch norm's running statistics
    are; a generator param draws randomness, as dropout does)."""
    module = type(node).__module__ or ""
    if module.startswith("autograd."):
        return True
    return ((module.startswith("nn.functional.") or activation_kind(node.name) is not None)
            and all(_plain(value) for value in node.params.values()))


def trace(root: Tensor, model: Module | None = None, *, names: Mapping[str, Tensor] | None = None,
          thresholds: Thresholds | None = None, gradients: str = "hook", values: bool = True) -> Trace:
    """Walk the graph that produced `root` and record its nodes, edges and statistics.

    model: a Module whose ``named_parameters()`` name the parameters ("layers.2.weight").
    names: extra ``{name: Tensor}`` labels for leaves that are not in a model.
    gradients: "hook" (default) records op-output gradients during the next ``backward``;
        "compute" runs a side backward pass now on the intact graph, touching no ``.grad``
        (user hooks on the graph still run); "none" records no op gradients.
    values: recompute forward values of pure ops whose output the graph did not keep.
    Call it before ``backward`` to see op gradients and the unit health of every activation;
    after a ``backward`` without ``retain_graph`` only leaf gradients and leaf values are known.
    """
    from autograd import Function, Tensor, topological_order

    if not isinstance(root, Tensor):
        raise TypeError(f"trace: expected a Tensor (for example the loss), got {type(root).__name__}")
    if gradients not in ("hook", "compute", "none"):
        raise ValueError(f"trace: gradients must be 'hook', 'compute' or 'none', not {gradients!r}")
    thresholds = thresholds or DEFAULT_THRESHOLDS
    param_names = _parameter_names(model, names)
    order = topological_order(root.grad_fn) if root.grad_fn is not None else []

    # the output of a node is only described by the input_meta of the nodes that consume it
    out_meta: dict[int, tuple] = {}
    known: dict[int, np.ndarray] = {}
    for node in order:
        for index, parent in enumerate(node.parents):
            if isinstance(parent, Function):
                out_meta[id(parent)] = node.input_meta[index]
        for array, source in zip(node.saved, node.saved_sources):
            if source == "out":
                known[id(node)] = array
            elif isinstance(source, int) and isinstance(node.parents[source], Function):
                known.setdefault(id(node.parents[source]), array)
    if root.grad_fn is not None:
        out_meta[id(root.grad_fn)] = (root.shape, root.dtype)
        known[id(root.grad_fn)] = root.data

    nodes: list[Node] = []
    edges: list[Edge] = []
    result = Trace(nodes, edges, thresholds)
    record_of: dict[int, Node] = {}

    def add(record: Node, obj=None) -> Node:
        nodes.append(record)
        result._by_id[record.id] = record
        if obj is not None:
            record_of[id(obj)] = record
            result._objects[id(obj)] = (weakref.ref(obj), record)
        return record

    def leaf_record(tensor) -> Node:
        record = record_of.get(id(tensor))
        if record is None:
            name = param_names.get(id(tensor))
            record = add(Node(id=f"n{len(nodes)}", kind="parameter" if name else "leaf", name=name or "leaf",
                              shape=tuple(tensor.shape), dtype=str(tensor.dtype),
                              module=(name.rpartition(".")[0] or None) if name else None,
                              value=value_stats(tensor.data)), tensor)
            result._leaves.append((record, weakref.ref(tensor)))
        return record

    if root.grad_fn is None:
        leaf_record(root).is_root = True
        result.update()
        return result

    freed = any(node.freed for node in order)
    with np.errstate(all="ignore"):
        for node in order:
            inputs = _input_arrays(node, known, Function, Tensor)
            if id(node) not in known and values and _recomputable(node) and not node.freed:
                output = _recompute(node, inputs, out_meta.get(id(node)))
                if output is not None:
                    known[id(node)] = output

            def source_of(index: int, node=node, inputs=inputs) -> Node | None:
                """The record of the node's input `index` (made on first use), or None for a scalar constant."""
                parent = node.parents[index]
                if isinstance(parent, Tensor):
                    return leaf_record(parent)
                if isinstance(parent, Function):
                    return record_of[id(parent)]
                shape, dtype = node.input_meta[index]
                if int(np.prod(shape)) <= 1:
                    return None  # scalar constants would only clutter the picture
                constant = inputs[index]
                return add(Node(id=f"n{len(nodes)}", kind="constant", name="constant", shape=tuple(shape),
                                dtype=str(dtype), value=None if constant is None else value_stats(constant)))

            shape, dtype = out_meta.get(id(node), ((), np.dtype("float32")))
            if hasattr(type(node), "fused_layers"):  # one node for several ops (nn.Sequential's layers): show each
                _add_fused_ops(node, source_of, inputs if values else None, str(dtype), add, edges, result)
                continue
            sources = [(record, index) for index in range(len(node.parents))
                       if (record := source_of(index)) is not None]
            output = known.get(id(node))
            owners = [record.module for record, _ in sources if record.kind == "parameter" and record.module]
            module = owners[0] if owners else None
            record = add(Node(id=f"n{len(nodes)}", kind="op", name=node.name, shape=tuple(shape), dtype=str(dtype),
                              module=module, params=_short_params(node.params),
                              value=None if output is None else value_stats(output),
                              activation=None if output is None else activation_stats(node.name, output, thresholds)),
                         node)
            edges.extend(Edge(source.id, record.id, index) for source, index in sources)
    nodes[-1].is_root = True

    if freed:
        result.notes.append("traced after backward: op gradients and most values are unknown; "
                            "call viz.trace before backward (or backward with retain_graph=True)")
    elif gradients == "hook":
        _hook_ops(result, order)
    elif gradients == "compute":
        _compute_gradients(result, root, order)
    result.update()
    return result


def _input_arrays(node, known: dict, function_type, tensor_type) -> list:
    """The input arrays of `node` that are still reachable: saved ones, leaves, known outputs."""
    arrays = [None] * len(node.parents)
    for array, source in zip(node.saved, node.saved_sources):
        if isinstance(source, int):
            arrays[source] = array
    for index, parent in enumerate(node.parents):
        if arrays[index] is None:
            if isinstance(parent, tensor_type):
                arrays[index] = parent.data
            elif isinstance(parent, function_type):
                arrays[index] = known.get(id(parent))
    return arrays


def _recompute(node, inputs: list, meta) -> np.ndarray | None:
    """Run the op's forward again on a scratch context; None when an input is gone or it fails."""
    if meta is None or any(array is None for array in inputs) or int(np.prod(meta[0])) > RECOMPUTE_LIMIT:
        return None
    op = type(node)
    scratch = op.__new__(op)
    try:
        output = np.asarray(op.forward(scratch, *inputs, **node.params))
    except Exception:  # noqa: BLE001  (a value we cannot recompute is simply not shown)
        return None
    return output if output.shape == tuple(meta[0]) else None


def _hook_ops(result: Trace, order: list) -> None:
    for node in order:
        recorders = [_GradRecorder(result._objects[id(node)][1])]
        stages = result._fused_stages.get(id(node))
        if stages:
            recorders.append(_FusedStagesRecorder(stages, node))
        if node.hooks is None:
            node.hooks = []
        for recorder in recorders:
            node.hooks.append(recorder)
            result._hooked.append((weakref.ref(node), recorder))


def _add_fused_ops(node, source_of, inputs: list | None, dtype: str, add, edges: list, result: Trace) -> None:
    """Records of the ops a fused node stands for (per layer: linear, then its activation if any), with the
    edges, values and modules they would have unfused, in the same order (each layer's parameters just
    before it); the last one stands for the node itself. `source_of(index)` gives an input's record."""
    op = type(node)
    layers = op.fused_layers(node)
    values = None
    if inputs is not None and not node.freed and all(array is not None for array in inputs):
        try:
            values = op.layer_values(node, inputs)
        except Exception:  # noqa: BLE001  (a value we cannot recompute is simply not shown)
            values = None
    batch_shape = tuple(node.input_meta[0][0][:-1])
    previous = None  # the record of the op before, which feeds the next linear op's input
    stages = []
    index = 1  # the node's input that is the layer's weight
    for layer, (activation, has_bias) in enumerate(layers):
        first = source_of(0) if previous is None else previous
        linear_sources = [] if first is None else [(first, 0)]
        for offset in range(1 + has_bias):
            record = source_of(index + offset)
            if record is not None:
                linear_sources.append((record, 1 + offset))
        owners = [record.module for record, _ in linear_sources if record.kind == "parameter" and record.module]
        shape = batch_shape + (node.input_meta[index][0][0],)
        layer_values = values[layer] if values is not None else (None, None)
        names = ["linear"] + ([activation] if activation else [])
        for position, name in enumerate(names):
            value = layer_values[position]
            last = layer == len(layers) - 1 and position == len(names) - 1
            record = add(Node(id=f"n{len(result._nodes)}", kind="op", name=name, shape=shape, dtype=dtype,
                              module=(owners[0] if owners else None) if name == "linear" else None,
                              value=None if value is None else value_stats(value),
                              activation=None if value is None else activation_stats(name, value, result.thresholds)),
                         node if last else None)
            edges.extend(Edge(source.id, record.id, edge_index)
                         for source, edge_index in (linear_sources if name == "linear" else [(previous, 0)]))
            stages.append(record)
            previous = record
        index += 1 + has_bias
    result._fused_stages[id(node)] = stages[:-1]  # the last one's gradient is the node's own


def _compute_gradients(result: Trace, root, order: list) -> None:
    """A side backward pass with retain_graph=True that fills the trace and touches no `.grad`."""
    from autograd.engine import run_backward

    _hook_ops(result, order)
    leaves = [ref() for _, ref in result._leaves]
    try:
        grads = run_backward([root], [np.ones_like(root.data)], True, False, capture=leaves)
    finally:
        result.remove_hooks()
    for (record, _), grad in zip(result._leaves, grads):
        if grad is not None:
            result._captured[record.id] = np.asarray(grad)
