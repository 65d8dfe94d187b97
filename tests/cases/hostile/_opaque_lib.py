"""Functions that neither engine can see through (they compute with Python floats), each with a
correct rule registered by sg.vjp_rule (not a family: the ``rules`` family uses them)."""

import math

import numpy as np

import sourcegrad as sg


def opaque_logsumexp(v):
    """log(sum(exp(v))) computed element by element with Python floats."""
    return math.log(sum(math.exp(float(t)) for t in np.ravel(v)))


@sg.vjp_rule(opaque_logsumexp)
def _opaque_logsumexp_vjp(g, ans, v):
    return g * np.exp(v - ans)


def opaque_exp(v):
    """np.exp, elementwise through Python floats."""
    flat = [math.exp(float(t)) for t in np.ravel(v)]
    return np.array(flat).reshape(np.shape(v))


@sg.vjp_rule(opaque_exp)
def _opaque_exp_vjp(g, ans, v):
    return g * ans


def opaque_scaled(v, k):
    """k * v through Python floats; k is a plain number."""
    return np.array([float(t) * k for t in np.ravel(v)]).reshape(np.shape(v))


@sg.vjp_rule(opaque_scaled)
def _opaque_scaled_vjp(g, ans, v, k):
    return g * k
