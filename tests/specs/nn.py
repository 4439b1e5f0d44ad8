"""Specs of the ops of nn.functional, each with a NumPy reference written from the definition.

Integer labels, ±1 targets, class weights and other non-differentiable arguments travel in
``Case.params``; every array in ``Case.arrays`` carries a gradient.
"""
import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import nn.functional as F
from autograd.testing import Case, OpSpec, register_spec
from autograd.testing.strategies import arrays, broadcastable_shapes, keep_away, shapes

REDUCTIONS = ("mean", "sum", "none")


# ----- references shared by several specs --------------------------------------------------
def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _reduce(per_item, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](per_item)


def _normal_cdf(x):
    return np.vectorize(lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2))))(x)


def _spec(name, fn, sample, reference, label="", **options):
    register_spec(OpSpec(name, fn, sample, reference, label=label, **options))


def _labels(draw, shape, classes):
    return np.array(draw(st.lists(st.integers(0, classes - 1), min_size=math.prod(shape),
                                  max_size=math.prod(shape))), dtype=np.int64).reshape(shape)


# ----- linear -------------------------------------------------------------------------------
def _linear_case(draw, with_bias):
    lead = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    fan_in, fan_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    parts = [draw(arrays(lead + (fan_in,))), draw(arrays((fan_out, fan_in)))]
    if with_bias:
        parts.append(draw(arrays((fan_out,))))
    return Case(tuple(parts))


_spec("linear", F.linear, lambda draw: _linear_case(draw, True),
      lambda x, w, b: x @ w.T + b, label="bias")
_spec("linear", F.linear, lambda draw: _linear_case(draw, False),
      lambda x, w: x @ w.T, label="no_bias")


# Linear fused with the activation after it (what nn.Sequential runs); relu's kink is at a zero of
# the pre-activation x @ w.T + b, which no input snapping reaches: draws land away from it instead.
_ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "sigmoid": _sigmoid}


def _linear_activation_case(activation, with_bias):
    def sample(draw):
        case = _linear_case(draw, with_bias)
        if activation == "relu":
            x, w, *b = case.arrays
            pre_activation = x @ w.T + (b[0] if b else 0)
            assume(np.all(np.abs(pre_activation) > 1e-3))
        return case
    return sample


for _activation, _reference in _ACTIVATIONS.items():
    _spec(f"linear_{_activation}", lambda x, w, b=None, _a=_activation: F.linear_activation(x, w, b, _a),
          _linear_activation_case(_activation, True), lambda x, w, b, _f=_reference: _f(x @ w.T + b), label="bias")
    _spec(f"linear_{_activation}", lambda x, w, _a=_activation: F.linear_activation(x, w, None, _a),
          _linear_activation_case(_activation, False), lambda x, w, _f=_reference: _f(x @ w.T), label="no_bias")


# Linear layers in a row, each with or without an activation (what nn.Sequential runs for two or more)
def _through_layers(x, weights, activations, biases, on_pre_activation=lambda z, activation: None):
    h, index = x, 0
    for activation, has_bias in zip(activations, biases):
        z = h @ weights[index].T + (weights[index + 1] if has_bias else 0)
        on_pre_activation(z, activation)
        h = _ACTIVATIONS[activation](z) if activation else z
        index += 1 + has_bias
    return h


def _linear_stack_case(activations, biases):
    def sample(draw):
        lead = draw(shapes(min_dims=0, max_dims=2, max_side=3))
        sizes = [draw(st.integers(1, 4)) for _ in range(len(activations) + 1)]
        parts = [draw(arrays(lead + (sizes[0],)))]
        for layer, has_bias in enumerate(biases):
            parts.append(draw(arrays((sizes[layer + 1], sizes[layer]))))
            if has_bias:
                parts.append(draw(arrays((sizes[layer + 1],))))

        def away_from_relu_kink(z, activation):
            if activation == "relu":
                assume(np.all(np.abs(z) > 1e-3))

        _through_layers(parts[0], parts[1:], activations, biases, away_from_relu_kink)
        return Case(tuple(parts))
    return sample


def _linear_stack_fn(activations, biases):
    def fn(x, *weights):
        layer_weights, layer_biases, index = [], [], 0
        for has_bias in biases:
            layer_weights.append(weights[index])
            layer_biases.append(weights[index + 1] if has_bias else None)
            index += 1 + has_bias
        return F.linear_stack(x, layer_weights, layer_biases, list(activations))
    return fn


for _activations, _biases in ((("tanh", "relu", None), (True, False, True)), (("sigmoid", "sigmoid"), (True, True))):
    _spec("linear_stack", _linear_stack_fn(_activations, _biases), _linear_stack_case(_activations, _biases),
          lambda x, *w, _a=_activations, _b=_biases: _through_layers(x, w, _a, _b),
          label="_".join(str(a).lower() for a in _activations))


# ----- elementwise activations --------------------------------------------------------------
def _unary_case(domain=(-3.0, 3.0), kinks=(), **params):
    def sample(draw):
        drawn = {k: draw(v) if isinstance(v, st.SearchStrategy) else v for k, v in params.items()}
        return Case((draw(arrays(domain=domain, kinks=kinks)),), drawn)
    return sample


_spec("leaky_relu", F.leaky_relu, _unary_case(kinks=(0.0,), negative_slope=st.floats(0.0, 0.5)),
      lambda x, negative_slope: np.where(x > 0, x, negative_slope * x), kinks=(0.0,))


def _prelu_case(draw):
    shape = draw(shapes(min_dims=1, max_dims=3))
    per_channel = len(shape) >= 2 and draw(st.booleans())
    slopes = draw(arrays((shape[1] if per_channel else 1,), domain=(-0.5, 0.5)))
    return Case((draw(arrays(shape, kinks=(0.0,))), slopes))


def _prelu_reference(x, weight):
    slope = weight.reshape((-1,) + (1,) * (x.ndim - 2)) if weight.size > 1 else weight[0]
    return np.where(x > 0, x, slope * x)


_spec("prelu", F.prelu, _prelu_case, _prelu_reference, kinks=(0.0,))
_spec("elu", F.elu, _unary_case(kinks=(0.0,), alpha=st.floats(0.1, 2.0)),
      lambda x, alpha: np.where(x > 0, x, alpha * (np.exp(x) - 1)), kinks=(0.0,))
_spec("selu", F.selu, _unary_case(kinks=(0.0,)),
      lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)), kinks=(0.0,))
_spec("softplus", F.softplus, _unary_case(beta=st.floats(0.5, 3.0)),
      lambda x, beta: np.log1p(np.exp(beta * x)) / beta, label="smooth")
# beta x > threshold switches to the identity; x = threshold / beta = 1 is the kink
_spec("softplus", F.softplus, _unary_case(kinks=(1.0,), beta=2.0, threshold=2.0),
      lambda x, beta, threshold: np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta),
      label="threshold", kinks=(1.0,))
_spec("swish", F.swish, _unary_case(beta=st.floats(0.1, 3.0)), lambda x, beta: x * _sigmoid(beta * x))
_spec("silu", F.silu, _unary_case(), lambda x: x * _sigmoid(x))
_spec("gelu", F.gelu, _unary_case(), lambda x: x * _normal_cdf(x), label="exact")
_spec("gelu", F.gelu, _unary_case(approximate="tanh"),
      lambda x, approximate: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
      label="tanh")
_spec("normal_cdf", F.normal_cdf, _unary_case(domain=(-6.0, 6.0)), _normal_cdf)


# ----- activations over an axis -------------------------------------------------------------
def _axis_case(draw):
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return Case((draw(arrays(shape)),), {"axis": axis, "temperature": draw(st.sampled_from([1.0, 0.5, 3.0]))})


_spec("softmax", F.softmax, _axis_case,
      lambda x, axis, temperature: np.exp(_log_softmax(x / temperature, axis)))
_spec("log_softmax", F.log_softmax, _axis_case,
      lambda x, axis, temperature: _log_softmax(x / temperature, axis))


def _maxout_case(draw):
    lead = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    pieces, groups = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    axis = draw(st.integers(0, len(lead)))
    shape = lead[:axis] + (groups * pieces,) + lead[axis:]
    # distinct values (a permutation spread over [-3, 3]) so that no group has tied maxima
    order = np.array(draw(st.permutations(range(math.prod(shape)))), dtype=np.float64)
    x = (order / max(order.size - 1, 1) * 6 - 3).reshape(shape)
    return Case((x,), {"pieces": pieces, "axis": axis - len(shape) if draw(st.booleans()) else axis})


def _maxout_reference(x, pieces, axis):
    moved = np.moveaxis(x, axis, -1)
    return np.moveaxis(moved.reshape(moved.shape[:-1] + (-1, pieces)).max(axis=-1), -1, axis)


def _maxout_ties(draw):
    """Cases whose groups hold tied maxima (values from a set of three)."""
    case = _maxout_case(draw)
    (x,) = case.arrays
    levels = np.array([-1.0, 0.5, 2.0])
    return Case((levels[np.array(draw(st.lists(st.integers(0, 2), min_size=x.size, max_size=x.size)))]
                 .reshape(x.shape),), case.params)


_spec("maxout", F.maxout, _maxout_case, _maxout_reference, at_kinks=_maxout_ties)


# ----- normalization --------------------------------------------------------------------------
def _batch_norm_case(draw):
    training = draw(st.booleans())
    shape = (draw(st.integers(2, 5)), draw(st.integers(1, 3))) + draw(shapes(min_dims=0, max_dims=2, max_side=3))
    channels = shape[1]
    x = draw(arrays(shape))
    if training:  # a spread of values per channel: the variance is well away from 0
        x = x + np.linspace(-1, 1, shape[0]).reshape((-1,) + (1,) * (x.ndim - 1))
    running = {"running_mean": draw(arrays((channels,))), "running_var": draw(arrays((channels,), domain="positive"))}
    return Case((x, draw(arrays((channels,))), draw(arrays((channels,)))),
                {"training": training, "momentum": 0.1, "eps": 1e-5, **running})


def _batch_norm(x, weight, bias, training, momentum, eps, running_mean, running_var):
    # copies: training updates running statistics in place, and each evaluation must start alike
    return F.batch_norm(x, running_mean.copy(), running_var.copy(), weight, bias, training, momentum, eps)


def _batch_norm_reference(x, weight, bias, training, momentum, eps, running_mean, running_var):
    axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channels'
    shape = (-1,) + (1,) * (x.ndim - 2)
    mean = x.mean(axis=axes) if training else running_mean
    var = x.var(axis=axes) if training else running_var
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * weight.reshape(shape) + bias.reshape(shape)


_spec("batch_norm", _batch_norm, _batch_norm_case, _batch_norm_reference)


def _layer_norm_case(draw):
    normalized = draw(shapes(min_dims=1, max_dims=2, min_side=2, max_side=4))
    lead = draw(shapes(min_dims=0, max_dims=2, max_side=3))
    x = draw(arrays(lead + normalized)) + np.linspace(-1, 1, math.prod(normalized)).reshape(normalized)
    return Case((x, draw(arrays(normalized)), draw(arrays(normalized))), {"normalized_shape": normalized})


def _layer_norm_reference(x, weight, bias, normalized_shape):
    axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * weight + bias


_spec("layer_norm", lambda x, w, b, normalized_shape: F.layer_norm(x, normalized_shape, w, b),
      _layer_norm_case, _layer_norm_reference)


# ----- dropout --------------------------------------------------------------------------------
def _dropout_case(draw):
    return Case((draw(arrays()),), {"p": draw(st.sampled_from([0.2, 0.5, 0.9, 1.0])), "seed": draw(st.integers(0, 99))})


def _dropout_reference(x, p, seed):
    if p == 1:
        return np.zeros_like(x)
    kept = np.random.default_rng(seed).random(x.shape) >= p
    return np.where(kept, x / (1 - p), 0)


# a fresh generator per call: every evaluation of the numerical gradient sees the same mask
_spec("dropout", lambda x, p, seed: F.dropout(x, p, generator=np.random.default_rng(seed)),
      _dropout_case, _dropout_reference)


# ----- regression losses ----------------------------------------------------------------------
def _regression_case(kinks=None):
    """(input, target) of one shape (other shapes are refused); with `kinks(delta)`,
    input - target keeps away from those kinks (delta is huber's)."""
    def sample(draw):
        shape = draw(shapes())
        x, y = draw(arrays(shape)), draw(arrays(shape))
        params = {"reduction": draw(st.sampled_from(REDUCTIONS))}
        if kinks is not None:
            delta = draw(st.floats(0.3, 2.0))
            if kinks(delta) != (0.0,):
                params["delta"] = delta
            x = y + keep_away(x - y, kinks(delta), 2e-2)
        return Case((x, y), params)
    return sample


_spec("mse_loss", F.mse_loss, _regression_case(), lambda x, y, reduction: _reduce((x - y) ** 2, reduction))
def _l1_on_kinks(draw):
    """Input equal to the target in some entries (|x - y| has its kink there)."""
    case = _regression_case(lambda delta: (0.0,))(draw)
    x, y = case.arrays
    equal = np.array(draw(st.lists(st.booleans(), min_size=x.size, max_size=x.size))).reshape(x.shape)
    return Case((np.where(equal, np.broadcast_to(y, x.shape), x), y), case.params)


_spec("l1_loss", F.l1_loss, _regression_case(lambda delta: (0.0,)),
      lambda x, y, reduction: _reduce(np.abs(x - y), reduction), at_kinks=_l1_on_kinks)


def _huber_reference(x, y, reduction, delta):
    d = np.abs(x - y)
    return _reduce(np.where(d < delta, 0.5 * d ** 2, delta * (d - 0.5 * delta)), reduction)


_spec("huber_loss", F.huber_loss, _regression_case(lambda delta: (-delta, delta)), _huber_reference)


# ----- binary cross-entropy -----------------------------------------------------------------
def _binary_case(domain):
    def sample(draw):
        shape = draw(shapes())
        params = {"reduction": draw(st.sampled_from(REDUCTIONS)),
                  "weight": draw(st.sampled_from([None, "full", "row"]))}
        if params["weight"] is not None:
            params["weight"] = draw(arrays(shape if params["weight"] == "full" else shape[-1:], domain="positive"))
        if domain != "probability" and shape and draw(st.booleans()):
            params["pos_weight"] = draw(arrays(shape[-1:], domain="positive"))
        return Case((draw(arrays(shape, domain=domain)), draw(arrays(shape, domain=(0.0, 1.0)))), params)
    return sample


def _bce_reference(x, y, reduction, weight):
    per_item = -(y * np.log(x) + (1 - y) * np.log(1 - x))
    return _reduce(per_item if weight is None else per_item * weight, reduction)


def _bce_logits_reference(x, y, reduction, weight, pos_weight=None):
    p = _sigmoid(x)
    positive = 1 if pos_weight is None else pos_weight
    per_item = -(positive * y * np.log(p) + (1 - y) * np.log(1 - p))
    return _reduce(per_item if weight is None else per_item * weight, reduction)


_spec("binary_cross_entropy", F.binary_cross_entropy, _binary_case("probability"), _bce_reference)
_spec("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits, _binary_case("real"),
      _bce_logits_reference)


# ----- multiclass losses ------------------------------------------------------------------------
def _class_scores_shape(draw):
    """(C,), (N, C) or (N, C, L): PyTorch's layouts of class scores."""
    classes = draw(st.integers(1, 4))
    return draw(st.sampled_from([(classes,), (draw(st.integers(1, 4)), classes),
                                 (draw(st.integers(1, 3)), classes, draw(st.integers(1, 3)))]))


def _label_case(draw, smoothing):
    shape = _class_scores_shape(draw)
    classes = shape[0 if len(shape) == 1 else 1]
    target = _labels(draw, shape[:1] + shape[2:] if len(shape) > 1 else (), classes)
    ignore_index = -100
    if target.size > 1 and draw(st.booleans()):  # ignore one label value (but not all items)
        ignore_index = int(target.flat[0])
        if np.all(target == ignore_index):
            ignore_index = -100
    params = {"target": target, "reduction": draw(st.sampled_from(REDUCTIONS)), "ignore_index": ignore_index,
              "weight": draw(st.one_of(st.none(), arrays((classes,), domain="positive")))}
    if smoothing:
        params["label_smoothing"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
    return Case((draw(arrays(shape)),), params)


def _per_class_items(x, target):
    """Scores moved to (items, C) and labels to (items,): a flat loop over items."""
    if x.ndim == 1:
        return x[None, :], np.reshape(target, (1,))
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1]), target.reshape(-1)


def _label_loss(logp, target, reduction, ignore_index, weight, label_smoothing):
    """PyTorch's weighted, label-smoothed NLL written as a loop over items."""
    classes = logp.shape[-1] if logp.ndim == 1 else logp.shape[1]
    rows, labels = _per_class_items(logp, target)
    w = np.ones(classes) if weight is None else weight
    losses, denominator = [], 0.0
    for row, label in zip(rows, labels):
        if label == ignore_index:
            losses.append(0.0)
            continue
        smooth = -(w * row).sum() / classes
        losses.append((1 - label_smoothing) * -w[label] * row[label] + label_smoothing * smooth)
        denominator += w[label]
    losses = np.array(losses)
    if reduction == "none":
        return losses.reshape(np.shape(target))
    return losses.sum() / denominator if reduction == "mean" else losses.sum()


def _cross_entropy(x, target, reduction, ignore_index, weight, label_smoothing=0.0):
    return F.cross_entropy(x, target, weight, ignore_index, reduction, label_smoothing)


_spec("cross_entropy", _cross_entropy, lambda draw: _label_case(draw, True),
      lambda x, target, **params: _label_loss(_log_softmax(x, 0 if x.ndim == 1 else 1), target, **params),
      label="labels")


def _probability_case(draw):
    shape = _class_scores_shape(draw)
    axis = 0 if len(shape) == 1 else 1
    target = np.exp(_log_softmax(draw(arrays(shape)), axis))
    classes = shape[axis]
    return Case((draw(arrays(shape)), target),
                {"reduction": draw(st.sampled_from(REDUCTIONS)), "label_smoothing": draw(st.sampled_from([0.0, 0.2])),
                 "weight": draw(st.one_of(st.none(), arrays((classes,), domain="positive")))})


def _probability_reference(x, target, reduction, label_smoothing, weight):
    axis = 0 if x.ndim == 1 else 1
    classes = x.shape[axis]
    smoothed = target * (1 - label_smoothing) + label_smoothing / classes
    if weight is not None:
        smoothed = smoothed * weight.reshape((-1,) + (1,) * (x.ndim - axis - 1))
    per_item = -(smoothed * _log_softmax(x, axis)).sum(axis=axis)
    return _reduce(per_item, reduction)


_spec("cross_entropy",
      lambda x, t, reduction, label_smoothing, weight: F.cross_entropy(x, t, weight, reduction=reduction,
                                                                       label_smoothing=label_smoothing),
      _probability_case, _probability_reference, label="probabilities")
_spec("nll_loss", lambda x, target, reduction, ignore_index, weight: F.nll_loss(x, target, weight, ignore_index,
                                                                                reduction),
      lambda draw: _label_case(draw, False),
      lambda x, target, **params: _label_loss(x, target, label_smoothing=0.0, **params))


def _multi_margin_case(draw, on_hinge=False):
    classes = draw(st.integers(1, 4))
    shape = draw(st.sampled_from([(classes,), (draw(st.integers(1, 4)), classes)]))
    target = _labels(draw, shape[:-1], classes)
    margin = draw(st.sampled_from([1.0, 0.5]))
    x = draw(arrays(shape)).reshape(-1, classes)
    rows = np.arange(x.shape[0])
    labels = target.reshape(-1)
    # keep every rival's margin violation margin - x_y + x_j away from the hinge at 0
    rivals = x - x[rows, labels][:, None]
    if on_hinge:  # some rivals exactly at the hinge: margin - x_y + x_j = 0
        hit = np.array(draw(st.lists(st.booleans(), min_size=rivals.size, max_size=rivals.size))).reshape(rivals.shape)
        rivals = np.where(hit & (rivals != 0), -margin, rivals)
    else:
        rivals = keep_away(rivals, (-margin,), 2e-2)
    x = (rivals + x[rows, labels][:, None]).reshape(shape)
    return Case((x,), {"target": target, "p": draw(st.sampled_from([1, 2])), "margin": margin,
                       "weight": draw(st.one_of(st.none(), arrays((classes,), domain="positive"))),
                       "reduction": draw(st.sampled_from(REDUCTIONS))})


def _multi_margin_reference(x, target, p, margin, weight, reduction):
    classes = x.shape[-1]
    rows, labels = x.reshape(-1, classes), np.reshape(target, -1)
    losses = []
    for row, label in zip(rows, labels):
        total = sum(max(0.0, margin - row[label] + row[j]) ** p for j in range(classes) if j != label)
        losses.append(total * (1.0 if weight is None else weight[label]) / classes)
    return _reduce(np.array(losses).reshape(np.shape(target)), reduction)


_spec("multi_margin_loss", F.multi_margin_loss, _multi_margin_case, _multi_margin_reference,
      at_kinks=lambda draw: _multi_margin_case(draw, on_hinge=True))


def _multilabel_case(draw, on_hinge=False):
    shape = draw(shapes(min_dims=1, max_dims=2))
    signs = np.where(draw(arrays(shape)) > 0, 1, -1)
    margin = draw(st.sampled_from([1.0, 0.3]))
    if on_hinge:  # y s = margin exactly in some entries
        x = np.where(draw(arrays(shape)) > 0, margin * signs, draw(arrays(shape)))
    else:
        x = keep_away(draw(arrays(shape)) * signs, (margin,), 2e-2) * signs  # y s away from the hinge
    return Case((x,), {"target": signs, "margin": margin, "reduction": draw(st.sampled_from(REDUCTIONS))})


_spec("multilabel_hinge_loss", F.multilabel_hinge_loss, _multilabel_case,
      lambda x, target, margin, reduction: _reduce(np.maximum(0, margin - target * x).mean(axis=-1), reduction),
      at_kinks=lambda draw: _multilabel_case(draw, on_hinge=True))


def _kl_case(draw):
    shape_x, shape_target = draw(broadcastable_shapes(2))  # the target broadcasts over the input, as in PyTorch
    shape_x = np.broadcast_shapes(shape_x, shape_target)  # but never widens it (refused)
    log_target = draw(st.booleans())
    target = draw(arrays(shape_target, domain=(-3.0, 1.0) if log_target else (0.05, 1.0)))
    reduction = draw(st.sampled_from(REDUCTIONS + ("batchmean",)))
    return Case((draw(arrays(shape_x, domain=(-4.0, 0.0))), target), {"reduction": reduction, "log_target": log_target})


def _kl_reference(x, target, reduction, log_target):
    per_item = np.exp(target) * (target - x) if log_target else target * (np.log(target) - x)
    if reduction == "batchmean":  # PyTorch divides by the input's first axis
        return per_item.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(per_item, reduction)


_spec("kl_div", F.kl_div, _kl_case, _kl_reference)


# ----- convolution and pooling ------------------------------------------------------------------
def _small_ints(draw, rank, low, high):
    return tuple(draw(st.integers(low, high)) for _ in range(rank))


def _conv_case(rank, with_bias):
    def sample(draw):
        groups = draw(st.sampled_from([1, 1, 2]))
        channels, out_channels = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
        kernel, dilation = _small_ints(draw, rank, 1, 3), _small_ints(draw, rank, 1, 2)
        padding = draw(st.one_of(st.integers(0, 2), st.just(_small_ints(draw, rank, 0, 2)),
                                 st.sampled_from(["valid", "same"])))
        stride = 1 if padding == "same" else draw(st.one_of(st.integers(1, 2), st.just(_small_ints(draw, rank, 1, 2))))
        # the input at least as large as the dilated kernel, so every drawn setting is valid
        size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 3)) for k, d in zip(kernel, dilation))
        parts = [draw(arrays((draw(st.integers(1, 2)), channels) + size)),
                 draw(arrays((out_channels, channels // groups) + kernel))]
        if with_bias:
            parts.append(draw(arrays((out_channels,))))
        return Case(tuple(parts), {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups})
    return sample


def _conv_reference(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation written from its definition: one dot product per output pixel and channel."""
    rank = x.ndim - 2
    kernel = weight.shape[2:]
    as_tuple = lambda v: (v,) * rank if isinstance(v, int) else tuple(v)
    stride, dilation = as_tuple(stride), as_tuple(dilation)
    if padding == "valid":
        pads = [(0, 0)] * rank
    elif padding == "same":
        pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    else:
        pads = [(p, p) for p in as_tuple(padding)]
    padded = np.pad(x, [(0, 0), (0, 0)] + pads)
    out_size = [(n - d * (k - 1) - 1) // s + 1 for n, k, d, s in zip(padded.shape[2:], kernel, dilation, stride)]
    out_channels, per_group = weight.shape[0], x.shape[1] // groups
    out = np.zeros((x.shape[0], out_channels, *out_size))
    for o in range(out_channels):
        group = o // (out_channels // groups)
        for position in np.ndindex(*out_size):
            window = tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                           for p, s, d, k in zip(position, stride, dilation, kernel))
            patch = padded[(slice(None), slice(group * per_group, (group + 1) * per_group)) + window]
            out[(slice(None), o) + position] = (patch * weight[o]).reshape(x.shape[0], -1).sum(axis=1)
    if bias is not None:
        out += bias.reshape((-1,) + (1,) * rank)
    return out


for _rank, _fn in ((1, F.conv1d), (2, F.conv2d)):
    _spec(f"conv{_rank}d", _fn, _conv_case(_rank, True), _conv_reference, label="bias", forward_rtol=1e-9)
    _spec(f"conv{_rank}d", _fn, _conv_case(_rank, False), _conv_reference, label="no_bias", forward_rtol=1e-9)


def _pool_case(rank, kind, distinct=True):
    def sample(draw):
        kernel = _small_ints(draw, rank, 1, 3)
        stride = draw(st.one_of(st.none(), st.integers(1, 2), st.just(_small_ints(draw, rank, 1, 3))))
        if not distinct:
            # disjoint windows: the kink property checks one coordinate at a time, and an entry tied in
            # two overlapping windows with upstream weights of opposite signs has an even split that is a
            # (Clarke) subgradient of the whole function but not of that coordinate alone
            stride = None
        padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
        size = tuple(k + draw(st.integers(0, 3)) for k in kernel)
        shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size
        if kind == "max" and distinct:
            # a permutation spread over [-3, 3]: no window holds two equal maxima
            order = np.array(draw(st.permutations(range(math.prod(shape)))), dtype=np.float64)
            x = (order / max(order.size - 1, 1) * 6 - 3).reshape(shape)
        elif kind == "max":  # ties: values from a set of three
            x = np.array([-1.0, 0.5, 2.0])[np.array(draw(st.lists(st.integers(0, 2), min_size=math.prod(shape),
                                                                  max_size=math.prod(shape))))].reshape(shape)
        else:
            x = draw(arrays(shape))
        params = {"kernel_size": kernel, "stride": stride, "padding": padding}
        if kind == "avg":
            params["count_include_pad"] = draw(st.booleans())
        return Case((x,), params)
    return sample


def _pool_reference(kind):
    def reference(x, kernel_size, stride, padding, count_include_pad=True):
        rank = x.ndim - 2
        stride = kernel_size if stride is None else (stride,) * rank if isinstance(stride, int) else stride
        fill = -np.inf if kind == "max" else 0.0
        padded = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding], constant_values=fill)
        inside = np.pad(np.ones(x.shape[2:]), [(p, p) for p in padding])
        out_size = [(n - k) // s + 1 for n, k, s in zip(padded.shape[2:], kernel_size, stride)]
        out = np.zeros(x.shape[:2] + tuple(out_size))
        for position in np.ndindex(*out_size):
            window = tuple(slice(p * s, p * s + k) for p, s, k in zip(position, stride, kernel_size))
            patch = padded[(slice(None), slice(None)) + window].reshape(x.shape[:2] + (-1,))
            if kind == "max":
                out[(Ellipsis,) + position] = patch.max(axis=-1)
            else:
                divisor = np.prod(kernel_size) if count_include_pad else inside[window].sum()
                out[(Ellipsis,) + position] = patch.sum(axis=-1) / divisor
        return out
    return reference


for _rank in (1, 2):
    _spec(f"max_pool{_rank}d", getattr(F, f"max_pool{_rank}d"), _pool_case(_rank, "max"), _pool_reference("max"),
          at_kinks=_pool_case(_rank, "max", distinct=False))
    _spec(f"avg_pool{_rank}d", getattr(F, f"avg_pool{_rank}d"), _pool_case(_rank, "avg"), _pool_reference("avg"))
