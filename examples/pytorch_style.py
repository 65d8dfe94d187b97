"""The tape, PyTorch style: tensors with requires_grad, backward(), and an optimiser with
zero_grad()/step(). Fits a linear regression.

    python examples/pytorch_style.py
"""

import numpy as np

import sourcegrad as sg

rng = np.random.default_rng(0)
X = rng.normal(size=(100, 3))
y = X @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.01 * rng.normal(size=100)

w = sg.tensor(np.zeros(3), requires_grad=True)
b = sg.tensor(0.0, requires_grad=True)
opt = sg.optim.Adam([w, b], lr=0.1)
for step in range(200):
    loss = ((X @ w + b - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}")

print("w =", w.numpy().round(3), " b =", round(b.item(), 3))
with sg.no_grad():
    prediction = X[:3] @ w + b      # nothing recorded
print("prediction requires grad:", prediction.requires_grad)
