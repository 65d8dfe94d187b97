"""Helpers in another module, written with ``math`` and ``from math import ...``: the tape must record them
when a differentiated function calls them (issue 10)."""

import math
from math import cos, sin

import numpy as np


def pendulum_step(theta, omega, dt, g=9.81, length=1.0):
    """One semi-implicit Euler step of a pendulum."""
    omega = omega - dt * g / length * sin(theta)
    theta = theta + dt * omega
    return theta, omega


def energy(theta, omega, g=9.81, length=1.0):
    return 0.5 * length * length * omega * omega + g * length * (1.0 - math.cos(theta))


def rotation_sum(angle, v):
    """np.array of Tensors: a rotation matrix built from math functions of a Tensor."""
    R = np.array([[cos(angle), -sin(angle)], [sin(angle), cos(angle)]])
    return np.sum(R @ v)
