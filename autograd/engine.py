"""Reverse-mode engine: node ordering, gradient accumulation, un-broadcasting, graph freeing."""
from __future__ import annotations

import sys
from heapq import heappop, heappush

import numpy as np

from . import grad_mode
from .function import Function, _check_finite, check_saved_versions
from .function import VersionClock as version_clock
from .grad_mode import collector_pause

Tensor = None  # bound by tensor.py once the class exists (the two modules import each other)
_clone = None  # autograd.ops.clone, bound with it


def unbroadcast(grad, shape: tuple):
    """Sum a gradient of a broadcast result back down to an input's `shape` (arrays or Tensors)."""
    grad_shape = grad.shape
    if grad_shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"gradient of shape {grad.shape} cannot be reduced to input shape {shape}")
    if extra and grad_shape[extra:] == shape and type(grad) is np.ndarray:
        return np.add.reduce(grad, axis=tuple(range(extra)))  # only leading axes to sum: a bias's gradient
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1)
    if axes:
        # np.add.reduce skips ndarray.sum's Python wrapper (this runs once per broadcast input)
        grad = np.add.reduce(grad, axis=axes, keepdims=True) if type(grad) is np.ndarray \
            else grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(shape)
    return grad


def topological_order(root: Function) -> list[Function]:
    """Nodes reachable from `root`, parents before children; iterative and deterministic."""
    order: list[Function] = []
    visited = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if isinstance(parent, Function) and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


class _GraphContext:
    """The view of a node that backward sees under create_graph: saved values as Tensors."""

    xp = None  # set to the autograd module on first use (it imports this module)

    def __init__(self, node: Function):
        self._node = node
        saved = []
        for array, source in zip(node.saved, node.saved_sources):
            if source == "out":
                saved.append(Tensor._make(array, node))
            elif source is not None and node.parents[source] is not None:
                parent = node.parents[source]
                saved.append(parent if isinstance(parent, Tensor) else Tensor._make(array, parent))
            else:
                saved.append(Tensor._make(np.asarray(array), None))
        self.saved = tuple(saved)

    def __getattr__(self, name):
        return getattr(self._node, name)


def _graph_backward(node: Function, grad):
    """Backward of `node` that records a graph (for create_graph=True)."""
    import autograd

    if _GraphContext.xp is None:
        _GraphContext.xp = autograd
    op = type(node)
    composite = getattr(op, "composite", None)
    if composite is None:
        return op.backward(_GraphContext(node), grad)
    inputs = _GraphContext(node).saved[:len(node.parents)]  # what it saved after its inputs serves backward only
    wanted = [x for x, need in zip(inputs, node.needs_input_grad) if need]
    with grad_mode.enable_grad():
        out = composite(*inputs, **node.params)
    grads = iter(grad_of([out], wanted, [grad], retain_graph=True, create_graph=True))
    return tuple(next(grads) if need else None for need in node.needs_input_grad)


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate `root_grads` from `roots` (Tensors) through the graph.

    Nodes run in decreasing creation order (a heap keyed by `Function.sequence`): every consumer
    of a tensor was created after it, so a node runs only once all its gradient has arrived, and
    discovering and ordering the graph take one pass. Leaf gradients are added to `.grad`, unless
    `capture` (a list of Tensors) is given: then the gradients of exactly those tensors are
    returned and no `.grad` is touched.
    """
    if capture is None and not create_graph and backward_plain is not None:
        return backward_plain(roots, root_grads, retain_graph)  # the compiled core's translation of this function
    # autograd.grad: only the nodes that lead to a captured tensor run (None: all)
    needed = None if capture is None else _leading_to(roots, capture)
    captured_nodes = None if capture is None else {t.grad_fn: t for t in capture if t.grad_fn is not None}
    captured: dict[int, object] = {}
    held: set[int] = set()  # ids of the gradient arrays a hook was given or gave back: the program may keep them
    anomaly = grad_mode.state.anomaly
    grads_of: dict = {}  # the gradient summed so far, per node still to run and per leaf
    # grad mode is on during the backward only for higher order
    state = grad_mode.state
    previous_mode, state.grad_enabled = state.grad_enabled, create_graph
    # a graph recorded with the collector paused stays so until the outermost backward ends (it makes no cycles)
    collector_pause.backward_depth += 1
    try:
        # the roots' gradients are delivered like any node's: to the root's node, or to a leaf root
        parents, input_meta = [], []
        for root in roots:
            parents.append(root.grad_fn or root)  # a node is always truthy
            input_meta.append((root.data.shape, root.data.dtype))
        _backward_loop(parents, root_grads, input_meta, grads_of, held, retain_graph, anomaly,
                       create_graph, needed, captured_nodes, captured)
    finally:
        state.grad_enabled = previous_mode
        collector_pause.backward_ended()
    if capture is not None:
        return [grads_of.get(t) if t.grad_fn is None else captured.get(id(t)) for t in capture]
    _accumulate_into_leaves(grads_of, create_graph, held)
    return None


def _backward_loop(parents, grads, input_meta, grads_of: dict, held: set, retain_graph: bool, anomaly: bool,
                   create_graph: bool = False, needed=None, captured_nodes=None, captured=None) -> None:
    """run_backward's loop: deliver `grads` to `parents`, then run the latest node whose gradient is
    complete until none is left; leaf gradients stay in `grads_of`. autograd/_core.c's `backward_loop`
    translates it for the common case (no create_graph, no capture)."""
    node = None
    pending: list[tuple[int, Function]] = []  # the nodes that have a gradient, in a heap by -sequence
    while True:
        # deliver: add each input gradient to its parent's, un-broadcast and cast (inline: per node)
        for parent, input_grad, (shape, dtype) in zip(parents, grads, input_meta):
            if parent is None or input_grad is None:
                continue
            if input_grad.shape != shape:
                input_grad = _reduced_to(input_grad, shape, node)
            if input_grad.dtype is not dtype and input_grad.dtype != dtype:
                input_grad = input_grad.astype(dtype)
            if anomaly and node is not None:
                _check_delivered(input_grad, node)
            previous = grads_of.get(parent)
            if previous is not None:
                grads_of[parent] = previous + input_grad
            elif isinstance(parent, Tensor):  # a leaf
                grads_of[parent] = input_grad
            elif needed is None or parent in needed:
                grads_of[parent] = input_grad
                heappush(pending, (-parent.sequence, parent))
        if not pending:
            return
        # run the latest node whose gradient is complete
        node = heappop(pending)[1]
        grad = grads_of.pop(node)
        if node.freed or version_clock.latest > node.sequence:
            _check_saved_values_usable(node)
        if node.hooks is not None:  # tensor hooks, or a retained gradient (retain_grad makes the list too)
            grad = _node_hooks(node, grad, held, create_graph)
        if captured_nodes and node in captured_nodes:
            captured[id(captured_nodes[node])] = grad
        grads = _graph_backward(node, grad) if create_graph else type(node).backward(node, grad)
        if type(grads) is not tuple:
            grads = (grads,)
        parents, input_meta = node.parents, node.input_meta
        if len(grads) != len(parents):
            _refuse_gradient_count(node, grads)
        if not retain_graph:
            node.saved = ()  # free the saved values: a second backward through the node is refused
            node.freed = True


backward_plain = None  # run_backward without create_graph or capture, compiled: autograd/compiled.py sets it


def _check_delivered(input_grad, node: Function) -> None:
    """Under detect_anomaly: refuse a NaN or Inf gradient that `node`'s backward gave."""
    _check_finite(input_grad.data if isinstance(input_grad, Tensor) else input_grad, f"backward of {node.name}", node)


def _node_hooks(node: Function, grad, held: set, create_graph: bool = False):
    """The gradient of `node`'s output after its tensor hooks, with its retained .grad filled."""
    return _run_tensor_hooks(node.hooks, grad, node.retained, create_graph, f"op '{node.name}'", held)


def _check_saved_values_usable(node: Function) -> None:
    """Raise if the node's saved values were freed by an earlier backward or changed in place since."""
    if node.freed:
        raise RuntimeError(
            f"backward through op '{node.name}' a second time: its saved values were freed "
            "after the first backward; pass retain_graph=True to the first backward")
    if node.origins:
        check_saved_versions(node)  # something changed in place after this node was recorded


def _refuse_gradient_count(node: Function, grads: tuple) -> None:
    raise RuntimeError(f"backward of '{node.name}' returned {len(grads)} gradients "
                       f"for {len(node.parents)} inputs")


class LeafHooks:
    """Whether any leaf tensor was ever given a hook (`Tensor.register_hook` sets it): until then,
    backward does not look for leaf hooks."""

    registered = False


def _accumulate_into_leaves(leaf_grads: dict, create_graph: bool, held: set) -> None:
    """Run the leaves' hooks and add each gradient to the leaf's `.grad`, a buffer no one else holds:
    not another leaf's gradient, nor one a hook or retain_grad kept (`held`: their ids), as in PyTorch.
    All or nothing: if a hook or a gradient is refused, no `.grad` changes."""
    if LeafHooks.registered:
        for leaf, grad in leaf_grads.items():  # every hook first: one that raises has changed no .grad yet
            if leaf._hooks:
                leaf_grads[leaf] = _run_tensor_hooks(leaf._hooks, grad, None, create_graph, "leaf tensor", held)
    if not create_graph:
        accumulate_plain(leaf_grads, held)
        return
    restore = {}  # the .grad each leaf had, where it had one, for an error midway
    try:
        # a differentiable copy or sum: the gradient Tensor may also be a retained .grad, what a hook
        # kept, another leaf's gradient or the caller's own (as PyTorch does under create_graph)
        for leaf, grad in leaf_grads.items():
            new = grad if isinstance(grad, Tensor) else Tensor._make(grad, None)
            previous = leaf._grad
            if previous is None:
                leaf._grad = _clone(new)
            else:
                restore[leaf] = previous
                _check_accumulation(previous, new)
                leaf._grad = previous + new
    except BaseException:
        _restore_grads(leaf_grads, leaf, restore)
        raise


def _accumulate_plain(leaf_grads: dict, held: set) -> None:
    """Add each gradient (an array) to its leaf's `.grad`, all or nothing (autograd/_core.c's `accumulate`
    is this function)."""
    restore = {}  # the .grad each leaf had, where it had one, for an error midway
    try:
        for leaf, grad in leaf_grads.items():
            if (grad.base is not None and not _exclusive_view(grad)) or id(grad) in held:
                grad = grad.copy()  # .grad owns its buffer: never shared with another gradient
            held.add(id(grad))  # a .grad made here holds its own
            previous = leaf._grad
            if previous is not None:  # a second backward adds to .grad
                restore[leaf] = previous
                _check_accumulation(previous, grad)
                grad = previous.data + grad
            accumulated = object.__new__(Tensor)  # Tensor._make inlined: this runs once per parameter
            accumulated.data = grad
            accumulated.requires_grad = False
            accumulated._grad = accumulated.grad_fn = accumulated._hooks = None
            accumulated._version_counter = [0, -1]
            leaf._grad = accumulated  # the engine's own gradients match by construction: no setter check
    except BaseException:
        _restore_grads(leaf_grads, leaf, restore)
        raise


accumulate_plain = _accumulate_plain  # autograd/compiled.py puts the compiled core's in its place


def _restore_grads(leaf_grads: dict, failed, restore: dict) -> None:
    """The leaves before the one that failed get their .grad back."""
    for done in leaf_grads:
        if done is failed:
            break
        done._grad = restore.get(done)


def _check_accumulation(previous, grad) -> None:
    """Refuse to add a gradient to a `.grad` of another shape (the parameter's data was replaced by an
    array of a new shape between two backwards): NumPy would broadcast the old one into the sum."""
    if previous.shape != grad.shape:
        raise RuntimeError(f"backward: cannot add a gradient of shape {grad.shape} to the .grad of shape "
                           f"{previous.shape} a leaf kept from an earlier backward (its data was given a new "
                           "shape since); fix: clear the gradients first (optimizer.zero_grad() or "
                           "`p.grad = None`)")


def _reduced_to(grad, shape: tuple, node):
    """`grad` un-broadcast to `shape`, or an error naming the op whose backward gave the wrong shape."""
    try:
        reduced = unbroadcast(grad, shape)
    except ValueError:
        reduced = grad
    if reduced.shape != shape:
        where = f"backward of '{node.name}'" if node is not None else "the gradient given to backward"
        raise RuntimeError(f"{where} gave a gradient of shape {grad.shape} for an input of shape {shape}; "
                           "a backward must return, per input, a gradient of the input's shape (or of a "
                           "shape that broadcasts to the result and sums back to it)")
    return reduced


def _leading_to(roots, targets) -> set:
    """The nodes from which some target tensor (a leaf, or a node's output) is reachable."""
    target_leaves = {id(t) for t in targets if t.grad_fn is None}
    needed = {t.grad_fn for t in targets if t.grad_fn is not None}
    for root in roots:
        if root.grad_fn is None:
            continue
        for node in topological_order(root.grad_fn):  # parents first, so their verdicts are known
            if node not in needed and any(
                    (p in needed) if isinstance(p, Function) else (p is not None and id(p) in target_leaves)
                    for p in node.parents):
                needed.add(node)
    return needed


def _exclusive_view(array: np.ndarray) -> bool:
    """True for a writable view whose base nothing else references (a transposed or reshaped
    temporary): storing it as `.grad` shares memory with nothing, so it needs no copy."""
    # 2 references: the view's .base and getrefcount's own argument
    return array.flags.writeable and sys.getrefcount(array.base) <= 2


def _run_tensor_hooks(hooks, grad, retained, create_graph, where, held: set | None = None):
    """Run `hooks` on `grad` (each may replace it) and fill a retained gradient; the ids of the arrays
    the hooks saw go into `held` (they may keep them)."""
    as_tensor = grad if isinstance(grad, Tensor) else Tensor._make(grad, None)
    if held is not None and not create_graph:
        held.add(id(as_tensor.data))
    for hook in hooks or ():
        replaced = hook(as_tensor)
        if replaced is not None:
            replaced_data = replaced.data if isinstance(replaced, Tensor) else np.asarray(replaced)
            if replaced_data.shape != as_tensor.shape:
                raise RuntimeError(f"hook on {where} returned a gradient of shape "
                                   f"{replaced_data.shape}; expected {as_tensor.shape}")
            if replaced_data.dtype != as_tensor.data.dtype:
                # else a float64 parameter would get a float32 (or an integer) .grad, as PyTorch refuses too
                raise RuntimeError(f"hook on {where} returned a gradient of dtype {replaced_data.dtype}; "
                                   f"expected {as_tensor.data.dtype}, the gradient's own; fix: compute the "
                                   "replacement from the gradient it is given (`g * 0.5`), or convert it: "
                                   "`autograd.tensor(values, dtype=g.dtype)`")
            as_tensor = replaced if isinstance(replaced, Tensor) else Tensor._make(replaced_data, None)
    if retained is not None:
        tensor = retained()
        if tensor is not None:
            tensor._grad = as_tensor if create_graph else Tensor._make(as_tensor.data, None)
    if held is not None and not create_graph:
        held.add(id(as_tensor.data))  # a hook's replacement, which the hook may also keep
    return as_tensor if create_graph else as_tensor.data


def backward(tensor, grad=None, retain_graph: bool = False, create_graph: bool = False) -> None:
    """Accumulate the gradient of `tensor` into `.grad` of every leaf that requires it (`Tensor.backward`)."""
    grad = _root_grad(tensor, grad, "backward", create_graph)
    run_backward([tensor], [grad], retain_graph or create_graph, create_graph)


def grad_of(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False):
    """Gradients of `outputs` with respect to `inputs`, returned without touching `.grad`."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs]  # one gradient (an array is one value, not a list of them)
    else:
        grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; pass one "
                         "gradient per output, in the same order (None for a scalar output)")
    grad_outputs = [_root_grad(o, g, "grad", create_graph) for o, g in zip(outputs, grad_outputs)]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the inputs does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    grads = run_backward(outputs, grad_outputs, retain_graph, create_graph, capture=inputs)
    result = []
    for t, g in zip(inputs, grads):
        if g is None:
            raise RuntimeError(f"grad: an input of shape {t.shape} is not reachable from the outputs")
        result.append(g if isinstance(g, Tensor) else Tensor._make(g, None))
    return tuple(result)


def _root_grad(tensor, grad, where: str, create_graph: bool):
    data = tensor.data  # shape and dtype read from the array: this runs once per backward
    if not tensor.requires_grad:
        raise RuntimeError(f"{where}: the tensor does not require grad and has no grad_fn")
    if grad is None:
        if data.size != 1:
            raise RuntimeError(f"{where}: grad can be implicitly created only for scalar outputs; "
                               f"the output has shape {data.shape}, so pass grad of that shape")
        # a scalar loss's seed: np.array is C-level, while np.ones(_like) are Python wrappers costing ~1 us
        ones = np.array(1, data.dtype) if data.ndim == 0 else np.ones(data.shape, data.dtype)
        return Tensor._make(ones, None) if create_graph else ones
    if isinstance(grad, Tensor) and create_graph:
        given = grad  # differentiable: a gradient of the gradient flows back into it
    else:
        # one call converts, casts and copies: backward never writes into the caller's array
        given = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=data.dtype)
    if given.shape != data.shape:
        raise RuntimeError(f"{where}: grad has shape {given.shape} but the output has shape {data.shape}")
    if create_graph and given is not grad:
        return Tensor._make(given, None)
    return given
