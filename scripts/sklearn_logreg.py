"""Reference optimum of L2-regularised logistic regression on the breast-cancer data, by scikit-learn.

Writes test/fixtures/sklearn_logreg.json, which test/train.test.ts compares gradnav's L-BFGS (run
through gn.train.fit) against. Run with Debian's python3-sklearn:

    /usr/bin/python3 scripts/sklearn_logreg.py

The problem: all 569 rows, the 30 features standardised with their mean and population standard
deviation (ddof 0, as gradnav's "standard" scaling), class 1 = the target value 1 (benign).
scikit-learn minimises  C * sum_i logloss_i + ||w||^2 / 2  (the intercept is not penalised); divided
by C n this is  mean_i logloss_i + lambda / 2 ||w||^2  with lambda = 1 / (C n), the loss gradnav
minimises. We report that objective at scikit-learn's solution, computed here in float64.
"""
import csv
import json
import os

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C = 1.0

with open(os.path.join(ROOT, "datasets", "breast-cancer-wisconsin", "breast_cancer_wisconsin.csv")) as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
target = header.index("target")
features = [i for i, h in enumerate(header) if i != target and h != "diagnosis"]
X = np.array([[float(r[i]) for i in features] for r in body])
y = np.array([int(float(r[target])) for r in body])
X = (X - X.mean(axis=0)) / X.std(axis=0)
n = X.shape[0]
lam = 1.0 / (C * n)

clf = LogisticRegression(C=C, solver="lbfgs", tol=1e-14, max_iter=100000).fit(X, y)
A = np.hstack([X, np.ones((n, 1))])  # the last coefficient is the intercept
penalty = np.full(A.shape[1], lam)
penalty[-1] = 0.0


def objective_and_grad(theta):
    z = A @ theta
    # log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0, computed stably.
    logloss = np.where(y == 1, np.logaddexp(0, -z), np.logaddexp(0, z))
    p = 1 / (1 + np.exp(-z))
    return logloss.mean() + (penalty * theta) @ theta / 2, A.T @ (p - y) / n + penalty * theta, p


theta = np.append(clf.coef_[0], clf.intercept_[0])
sklearn_objective = objective_and_grad(theta)[0]
# scikit-learn stops at a gradient of about 1e-6; a few Newton steps (exact Hessian, strictly convex
# problem) take its solution to the optimum in float64.
for _ in range(5):
    _, g, p = objective_and_grad(theta)
    H = (A * (p * (1 - p))[:, None]).T @ A / n + np.diag(penalty)
    theta = theta - np.linalg.solve(H, g)
objective, g, _ = objective_and_grad(theta)
w, b = theta[:-1], theta[-1]

out = {
    "description": "L2-regularised logistic regression on breast-cancer-wisconsin (all rows, standardised features), solved by scikit-learn",
    "sklearn": __import__("sklearn").__version__,
    "C": C,
    "n": int(n),
    "lambda": lam,
    "features": [header[i] for i in features],
    "objective": float(objective),
    "gradNorm": float(np.sqrt(g @ g)),
    "sklearnObjective": float(sklearn_objective),
    "coef": [float(v) for v in w],
    "intercept": float(b),
}
path = os.path.join(ROOT, "test", "fixtures", "sklearn_logreg.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"objective {objective:.17g} (scikit-learn's own {sklearn_objective:.17g}), |grad| {out['gradNorm']:.3g} -> {os.path.relpath(path, ROOT)}")
