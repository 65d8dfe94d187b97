"""Data-dependent control flow: a Newton iteration whose number of steps depends on the input.

Source mode transforms the while loop: the generated gradient records what each iteration's adjoint
needs (``saved``) and how many iterations ran (``trips``), then runs the adjoint loop backwards.
A function source mode cannot transform (here: a try block) falls back to the tape, and says why.

    python examples/newton_sqrt.py
"""

import math

import sourcegrad as sg


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def guarded_sqrt(a):
    try:
        return newton_sqrt(a)
    except ZeroDivisionError:
        return 0.0 * a


if __name__ == "__main__":
    d_sqrt = sg.grad(newton_sqrt)
    print("d sqrt(a)/da at a=2:", d_sqrt(2.0), "(exact:", 1 / (2 * math.sqrt(2.0)), ")")
    print("mode:", d_sqrt.mode)
    print(d_sqrt.source)
    d_guarded = sg.grad(guarded_sqrt)
    print("guarded:", d_guarded(2.0))
    print("mode:", d_guarded.mode)
    print("why:", d_guarded.fallback_reason)
