"""Linear algebra: matmul with NumPy's semantics and einsum."""
from __future__ import annotations

import string

import numpy as np

from ..function import Function
from ._util import constant


class Matmul(Function):
    analytic = True

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul of shapes {a.shape} and {b.shape}: scalars are not allowed")
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise ValueError(f"matmul of shapes {a.shape} and {b.shape}: inner dimensions differ")
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        xp = ctx.xp
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a.ndim == 1:  # (k,) @ (..., k, n): treat a as a row
            if need_a:
                grad_a = (grad[..., None, :] @ xp.swapaxes(b, -1, -2))[..., 0, :]
            if need_b:
                grad_b = a[:, None] @ grad[..., None, :]
        elif b.ndim == 1:  # (..., n, k) @ (k,): treat b as a column
            if need_a:
                grad_a = grad[..., :, None] @ b[None, :]
            if need_b:
                grad_b = (xp.swapaxes(a, -1, -2) @ grad[..., :, None])[..., 0]
        else:  # the methods, not xp.swapaxes: NumPy's function form is a Python wrapper around them
            if need_a:
                grad_a = grad @ b.swapaxes(-1, -2)
            if need_b and _is_transposed_view(constant(b)):
                # x @ W.T: the same BLAS work as (gᵀx)ᵀ, and W's gradient arrives in W's own layout
                # (no copy into .grad, no strided optimizer update)
                grad_b = (grad.swapaxes(-1, -2) @ a).swapaxes(-1, -2)
            elif need_b:
                grad_b = a.swapaxes(-1, -2) @ grad
        return grad_a, grad_b


def _is_transposed_view(array: np.ndarray) -> bool:
    return array.ndim == 2 and array.flags.f_contiguous and not array.flags.c_contiguous


def parse_einsum(subscripts: str, shapes) -> tuple[list[str], str]:
    """Explicit letters for each operand and the output ('...' expanded, implicit output made explicit)."""
    subscripts = subscripts.replace(" ", "")
    inputs_part, arrow, output = subscripts.partition("->")
    terms = inputs_part.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {len(terms)} operand terms in {subscripts!r} for {len(shapes)} operands")
    unused = [c for c in string.ascii_letters if c not in subscripts]
    ellipsis_ndim = max((len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t), default=0)
    ellipsis_letters = "".join(unused[:ellipsis_ndim])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            n = len(shape) - (len(term) - 3)
            term = term.replace("...", ellipsis_letters[ellipsis_ndim - n:] if n else "")
        if len(term) != len(shape):
            raise ValueError(f"einsum: term {term!r} does not match operand of shape {shape}")
        expanded.append(term)
    if arrow:
        output = output.replace("...", ellipsis_letters)
    else:
        letters = "".join(expanded)
        output = ellipsis_letters + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis_letters))
    return expanded, output


class Einsum(Function):
    analytic = True

    @staticmethod
    def forward(ctx, *operands, subscripts=""):
        ctx.terms, ctx.output = parse_einsum(subscripts, [o.shape for o in operands])
        ctx.save_for_backward(*operands)
        return np.asarray(np.einsum(",".join(ctx.terms) + "->" + ctx.output, *operands))

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        operands, terms = ctx.saved, ctx.terms
        sizes = {}
        for term, operand in zip(terms, operands):
            for c, n in zip(term, operand.shape):
                sizes[c] = max(sizes.get(c, 1), n)  # size-1 axes broadcast, as in NumPy; the engine sums them back
        grads = []
        for i, (term, need) in enumerate(zip(terms, ctx.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(terms) if j != i]
            available = set(ctx.output).union(*others)
            unique = "".join(dict.fromkeys(term))
            reachable = "".join(c for c in unique if c in available)
            spec = ",".join([ctx.output] + others) + "->" + reachable
            partial = xp.einsum(spec, grad, *[o for j, o in enumerate(operands) if j != i])
            # letters summed away inside this operand alone: the gradient is constant along them
            full_shape = tuple(sizes[c] for c in unique)
            reached = dict(zip(reachable, partial.shape))  # a size-1 axis of the others stays 1 here
            partial = xp.broadcast_to(partial.reshape(tuple(reached.get(c, 1) for c in unique)), full_shape)
            if len(unique) != len(term):  # repeated letters: the gradient lives on the diagonal
                fresh = iter(c for c in string.ascii_letters if c not in "".join(terms) + ctx.output)
                renamed, eyes, seen = "", [], set()
                for c in term:
                    if c in seen:
                        new = next(fresh)
                        eyes.append((c + new, np.eye(sizes[c], dtype=grad.dtype)))
                        renamed += new
                    else:
                        seen.add(c)
                        renamed += c
                spec = ",".join([unique] + [e[0] for e in eyes]) + "->" + renamed
                partial = xp.einsum(spec, partial, *[e[1] for e in eyes])
            grads.append(partial)
        return tuple(grads)
