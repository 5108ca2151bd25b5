#!/usr/bin/env python3
"""Reference trajectories from PyTorch's optimizers, for test/optim.torch.test.ts.

Runs torch.optim.{SGD, Adam, AdamW, NAdam, RMSprop, Adagrad} for a few steps on a small float64
problem with two parameter leaves (a quadratic in w, a quartic in b) and writes every iterate to
test/fixtures/optim_torch.json. CI has no Python: the output is committed.

NAdam: torch.optim.NAdam before PyTorch 2.0 multiplies mu_t into the running product twice when it
forms the coefficient of the momentum term (mu_product_next = mu_product * mu * mu_next, after
mu_product *= mu). The published algorithm (PyTorch's documentation, and its code since 2.0) uses
mu_product * mu_next. On such an old torch this script runs the documented algorithm, written below
with torch tensor ops, instead of torch.optim.NAdam.

    /usr/bin/python3 scripts/torch_reference.py      # needs python3-torch (Debian) or pip torch
"""
import json
import os
import torch

torch.set_default_dtype(torch.float64)

A = [[3.0, 0.5, 0.2], [0.5, 2.0, 0.3], [0.2, 0.3, 1.0]]
C = [1.0, -2.0, 0.5]
T = [[0.5, -1.0], [2.0, 0.25]]
W0 = [0.3, -0.7, 1.1]
B0 = [[1.5, -0.5], [0.25, -2.0]]
STEPS = 20


def loss_fn(w, b):
    a = torch.tensor(A)
    c = torch.tensor(C)
    t = torch.tensor(T)
    return 0.5 * w @ (a @ w) - c @ w + 0.25 * (b ** 4).sum() + 0.5 * ((b - t) ** 2).sum()


class DocumentedNAdam(torch.optim.Optimizer):
    """NAdam as PyTorch documents it (and implements it since 2.0): see the module docstring."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            lr, eps, wd, psi = group["lr"], group["eps"], group["weight_decay"], group["momentum_decay"]
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st.update(step=0, mu_product=1.0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
                st["step"] += 1
                t = st["step"]
                grad = p.grad.add(p, alpha=wd) if wd != 0 else p.grad
                mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                st["mu_product"] *= mu
                st["exp_avg"].mul_(b1).add_(grad, alpha=1 - b1)
                st["exp_avg_sq"].mul_(b2).addcmul_(grad, grad, value=1 - b2)
                denom = st["exp_avg_sq"].div(1 - b2 ** t).sqrt().add_(eps)
                p.addcdiv_(grad, denom, value=-lr * (1.0 - mu) / (1.0 - st["mu_product"]))
                p.addcdiv_(st["exp_avg"], denom, value=-lr * mu_next / (1.0 - st["mu_product"] * mu_next))


NADAM = torch.optim.NAdam if int(torch.__version__.split(".")[0]) >= 2 else DocumentedNAdam


# (name, torch class, torch kwargs, gradnav optimizer name, gradnav options, lr change {step, lr} or None)
CONFIGS = [
    ("sgd", torch.optim.SGD, dict(lr=0.05), "sgd", dict(lr=0.05), None),
    ("sgd-momentum", torch.optim.SGD, dict(lr=0.05, momentum=0.9), "sgd", dict(lr=0.05, momentum=0.9), None),
    ("sgd-momentum-dampening-wd", torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
     "sgd", dict(lr=0.05, momentum=0.9, dampening=0.1, weightDecay=0.01), None),
    ("sgd-nesterov", torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
     "sgd", dict(lr=0.05, momentum=0.9, nesterov=True, weightDecay=0.01), None),
    ("adam", torch.optim.Adam, dict(lr=0.1), "adam", dict(lr=0.1), None),
    ("adam-l2", torch.optim.Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
     "adam", dict(lr=0.05, b1=0.8, b2=0.99, eps=1e-6, weightDecay=0.1), None),
    ("adam-lr-change", torch.optim.Adam, dict(lr=0.1), "adam", dict(lr=0.1), dict(step=10, lr=0.01)),
    ("adamw", torch.optim.AdamW, dict(lr=0.1, weight_decay=0.1), "adamw", dict(lr=0.1, weightDecay=0.1), None),
    ("amsgrad", torch.optim.Adam, dict(lr=0.1, amsgrad=True), "amsgrad", dict(lr=0.1), None),
    ("nadam", NADAM, dict(lr=0.05, weight_decay=0.01), "nadam", dict(lr=0.05, weightDecay=0.01), None),
    ("rmsprop", torch.optim.RMSprop, dict(lr=0.01), "rmsprop", dict(lr=0.01), None),
    ("rmsprop-centered-momentum", torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01),
     "rmsprop", dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weightDecay=0.01), None),
    ("adagrad", torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1),
     "adagrad", dict(lr=0.1, lrDecay=0.01, weightDecay=0.01, initialAccumulatorValue=0.1), None),
]


def run(cls, kwargs, change):
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    opt = cls([w, b], **kwargs)
    out = []
    for k in range(STEPS):
        if change is not None and k == change["step"]:
            for g in opt.param_groups:
                g["lr"] = change["lr"]
        opt.zero_grad()
        loss_fn(w, b).backward()
        opt.step()
        out.append({"w": w.detach().tolist(), "b": b.detach().tolist()})
    return out


def main():
    configs = []
    for name, cls, kwargs, ours, options, change in CONFIGS:
        configs.append({"name": name, "optimizer": ours, "options": options, "lrChange": change,
                        "torch": f"{'torch.optim.' if cls.__module__.startswith('torch') else ''}{cls.__name__}({', '.join(f'{k}={v}' for k, v in kwargs.items())})",
                        "trajectory": run(cls, kwargs, change)})
    data = {"generator": f"scripts/torch_reference.py with torch {torch.__version__}",
            "problem": {"A": A, "c": C, "t": T, "w0": W0, "b0": B0, "steps": STEPS},
            "configs": configs}
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "optim_torch.json")
    with open(path, "w") as f:
        json.dump(data, f)
        f.write("\n")
    print(f"wrote {len(configs)} trajectories to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
