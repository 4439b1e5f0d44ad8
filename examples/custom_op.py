"""A user-defined op, registered and checked exactly like a built-in one.

LogAddExp subclasses autograd.Function, so it lands in autograd.REGISTRY as 'log_add_exp'. Its
spec goes into the same table as the built-in ops' specs, and check_op runs on it the properties
the registry suite runs on every op: values against NumPy, every gradient entry against a
numerical derivative, second derivatives, float32 in -> float32 out. Then a deliberately wrong
copy shows what a failure looks like after Hypothesis has shrunk it.

Run: .venv/bin/python examples/custom_op.py
"""
import numpy as np

import autograd as ag
from autograd.testing import GradcheckError, check_op, register_spec


class LogAddExp(ag.Function):
    """log(exp(a) + exp(b)) without overflow, broadcasting like NumPy."""

    analytic = True  # holomorphic: gradient checks may use the exact complex-step derivative

    @staticmethod
    def forward(ctx, a, b):
        shift = np.maximum(a.real, b.real)  # any shift gives the same value; a real one keeps it analytic
        out = shift + np.log(np.exp(a - shift) + np.exp(b - shift))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        # d/da log(e^a + e^b) = e^(a - out); broadcast shapes are reduced by the engine
        return (grad * ctx.xp.exp(a - out) if need_a else None,
                grad * ctx.xp.exp(b - out) if need_b else None)


def log_add_exp(a, b):
    return LogAddExp.apply(a, b)


class ForgetfulLogAddExp(LogAddExp):
    """The same op with a classic bug: the gradient of b reuses a's weight."""

    register = False  # a deliberately wrong op must not join the registry

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        weight = ctx.xp.exp(a - out)
        return grad * weight, grad * weight


def main():
    rng = np.random.default_rng(0)
    a = ag.tensor(rng.standard_normal((3, 1)), requires_grad=True)
    b = ag.tensor(rng.standard_normal(4), requires_grad=True)

    print("gradcheck at one point (complex-step oracle, every Jacobian entry):",
          ag.gradcheck(log_add_exp, [a, b]))
    print("gradgradcheck (second derivatives through create_graph=True):", ag.gradgradcheck(log_add_exp, [a, b]))

    spec = check_op(LogAddExp, reference=np.logaddexp)
    register_spec(spec)  # from now on tests/test_registry.py checks it like every built-in op
    print(f"check_op passed: {spec.name!r} is in autograd.REGISTRY and has a spec")

    try:
        check_op(ForgetfulLogAddExp, reference=np.logaddexp, max_examples=50)
    except GradcheckError as error:
        notes = [n for n in getattr(error, "__notes__", []) if "case:" in n]
        print("check_op caught the wrong backward; after shrinking:\n" + str(error))
        print("\n".join(notes))
    else:
        raise SystemExit("the wrong backward was not caught")


if __name__ == "__main__":
    main()
