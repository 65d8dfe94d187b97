"""Data-dependent control flow: source mode cannot transform a while loop yet, so the default
mode="auto" falls back to the tape, and says so.

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


print("d sqrt(a)/da at a=2:", newton_sqrt(2.0), "(exact:", 1 / (2 * math.sqrt(2.0)), ")")
print("mode:", newton_sqrt.mode)
print("why:", newton_sqrt.fallback_reason)
