"""Data-dependent control flow: a Newton iteration whose number of steps depends on the input.

Source mode transforms the while loop: the generated gradient records what each iteration's adjoint
needs (``saved``) and how many iterations ran (``trips``), then runs the adjoint loop backwards.
A function source mode cannot transform (here: a try block) falls back to the tape, and says why.

    python examples/newton_sqrt.py
"""

import math

import sourcegrad as sg


@sg.grad
def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


@sg.grad
def guarded_sqrt(a):
    try:
        return newton_sqrt_value(a)
    except ZeroDivisionError:
        return 0.0 * a


def newton_sqrt_value(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


print("d sqrt(a)/da at a=2:", newton_sqrt(2.0), "(exact:", 1 / (2 * math.sqrt(2.0)), ")")
print("mode:", newton_sqrt.mode)
print(newton_sqrt.source)
print("guarded:", guarded_sqrt(2.0))
print("mode:", guarded_sqrt.mode)
print("why:", guarded_sqrt.fallback_reason)
