#!/usr/bin/env python3
"""Reference values for gradnav's metrics (src/nn/metrics.ts), computed with scikit-learn.

Writes test/fixtures/metrics.json: a list of cases {metric, yTrue, yPred, opts, expected}, with the
options under gradnav's names (the test passes them to gn.metrics[metric] unchanged). Run with
Debian's python3-sklearn (1.2):
    /usr/bin/python3 scripts/metrics_reference.py
The inputs come from a seeded NumPy generator, so rerunning gives the same file.
"""
import json
import math
import os

import numpy as np
import sklearn
from sklearn import metrics as skm

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
rng = np.random.default_rng(20240501)
cases = []


def enc(x):
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [enc(v) for v in (x.tolist() if isinstance(x, np.ndarray) else x)]
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def add(metric, y_true, y_pred, opts, expected, note=""):
    cases.append({"metric": metric, "note": note, "yTrue": enc(y_true), "yPred": enc(y_pred), "opts": enc_opts(opts), "expected": enc(expected)})


def enc_opts(opts):
    return {k: enc(v) for k, v in opts.items()}


def sk_kwargs(opts):
    """gradnav option names -> sklearn keyword arguments."""
    names = {"sampleWeight": "sample_weight", "zeroDivision": "zero_division", "posLabel": "pos_label", "average": "average", "labels": "labels", "beta": "beta", "normalize": "normalize", "eps": "eps"}
    return {names[k]: (np.asarray(v) if k == "sampleWeight" else v) for k, v in opts.items()}


# ---- binary classification -------------------------------------------------------------------
n = 40
yb = (rng.random(n) < 0.4).astype(int)
flip = rng.random(n) < 0.25
pb = np.where(flip, 1 - yb, yb)
# Scores rounded to one decimal, so many are tied across classes.
sb = np.round(np.clip(yb * 0.3 + rng.random(n) * 0.7, 0, 1), 1)
# Probabilities including exact 0 and 1, so clipping matters.
qb = np.round(np.clip(yb * 0.4 + rng.normal(0.3, 0.3, n), 0, 1), 2)
qb[0], qb[1] = (0.0, 1.0) if yb[0] == 1 else (1.0, 0.0)
wb = np.round(rng.uniform(0.5, 2.0, n), 3)

add("accuracy", yb, pb, {}, skm.accuracy_score(yb, pb))
add("accuracy", yb, pb, {"sampleWeight": wb}, skm.accuracy_score(yb, pb, sample_weight=wb))
for metric, fn in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
    for opts in [{}, {"sampleWeight": wb}, {"posLabel": 0}, {"average": "macro"}, {"average": "micro"}, {"average": "weighted", "sampleWeight": wb}]:
        add(metric, yb, pb, opts, fn(yb, pb, **sk_kwargs(opts)))
add("fbeta", yb, pb, {"beta": 2.0}, skm.fbeta_score(yb, pb, beta=2.0))
add("fbeta", yb, pb, {"beta": 0.5, "average": "macro"}, skm.fbeta_score(yb, pb, beta=0.5, average="macro"))
add("confusionMatrix", yb, pb, {}, skm.confusion_matrix(yb, pb))
add("confusionMatrix", yb, pb, {"sampleWeight": wb, "normalize": "true"}, skm.confusion_matrix(yb, pb, sample_weight=wb, normalize="true"))
add("rocAuc", yb, sb, {}, skm.roc_auc_score(yb, sb), "tied scores")
add("rocAuc", yb, sb, {"sampleWeight": wb}, skm.roc_auc_score(yb, sb, sample_weight=wb), "tied scores, weighted")
add("rocAuc", [0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5], {}, skm.roc_auc_score([0, 0, 1, 1], [0.5] * 4), "all tied")
add("logLoss", yb, qb, {}, skm.log_loss(yb, qb), "probabilities 0 and 1 are clipped")
add("logLoss", yb, qb, {"sampleWeight": wb}, skm.log_loss(yb, qb, sample_weight=wb))
add("logLoss", yb, qb, {"eps": 1e-3, "normalize": False}, skm.log_loss(yb, qb, eps=1e-3, normalize=False))
add("logLoss", [1, 1, 1], [0.9, 0.8, 0.3], {"labels": [0, 1]}, skm.log_loss([1, 1, 1], [0.9, 0.8, 0.3], labels=[0, 1]), "one class, labels given")

# ---- multi-class ------------------------------------------------------------------------------
n, c = 50, 4
ym = rng.integers(0, c, n)
pm = np.where(rng.random(n) < 0.35, rng.integers(0, c, n), ym)
raw = rng.dirichlet(np.ones(c), n) + np.eye(c)[ym] * 0.6
proba = raw / raw.sum(axis=1, keepdims=True)
rounded = np.round(proba, 2)  # rows no longer sum to exactly 1: log loss renormalises
wm = np.round(rng.uniform(0.5, 2.0, n), 3)

add("accuracy", ym, pm, {}, skm.accuracy_score(ym, pm))
add("accuracy", ym, proba, {}, skm.accuracy_score(ym, proba.argmax(axis=1)), "argmax of a score matrix")
for metric, fn in [("precision", skm.precision_score), ("recall", skm.recall_score), ("f1", skm.f1_score)]:
    for opts in [{"average": "macro"}, {"average": "micro"}, {"average": "weighted"}, {"average": "weighted", "sampleWeight": wm}, {"average": "macro", "labels": [0, 2, 3]}]:
        add(metric, ym, pm, opts, fn(ym, pm, **sk_kwargs(opts)))
p, r, f, s = skm.precision_recall_fscore_support(ym, pm, average=None)
add("classScores", ym, pm, {}, {"labels": list(range(c)), "precision": p, "recall": r, "f": f, "support": s.astype(float)})
add("confusionMatrix", ym, pm, {}, skm.confusion_matrix(ym, pm))
add("confusionMatrix", ym, pm, {"labels": [3, 1, 0, 7], "normalize": "pred"}, skm.confusion_matrix(ym, pm, labels=[3, 1, 0, 7], normalize="pred"))
add("rocAuc", ym, proba, {}, skm.roc_auc_score(ym, proba, multi_class="ovr"), "one-vs-rest macro")
add("rocAuc", ym, proba, {"average": "weighted"}, skm.roc_auc_score(ym, proba, multi_class="ovr", average="weighted"), "one-vs-rest weighted")
add("logLoss", ym, rounded, {}, skm.log_loss(ym, rounded))
add("logLoss", ym, rounded, {"sampleWeight": wm}, skm.log_loss(ym, rounded, sample_weight=wm))

# ---- degenerate inputs (zero_division) ---------------------------------------------------------
yt = [0, 0, 1, 1, 0]
none_pred = [0, 0, 0, 0, 0]
for zd in [0, 1]:
    add("precision", yt, none_pred, {"zeroDivision": zd}, skm.precision_score(yt, none_pred, zero_division=zd), "no predicted positives")
    add("f1", yt, none_pred, {"zeroDivision": zd}, skm.f1_score(yt, none_pred, zero_division=zd), "no predicted positives")
    add("recall", none_pred, yt, {"zeroDivision": zd}, skm.recall_score(none_pred, yt, zero_division=zd), "no true positives")
    add("f1", none_pred, none_pred, {"zeroDivision": zd}, skm.f1_score(none_pred, none_pred, zero_division=zd), "no positives at all")
    add("precision", [0, 1, 2, 2], [0, 1, 1, 1], {"average": "macro", "zeroDivision": zd}, skm.precision_score([0, 1, 2, 2], [0, 1, 1, 1], average="macro", zero_division=zd), "class 2 never predicted")
    add("recall", [0, 1, 1, 1], [0, 1, 2, 2], {"average": "weighted", "zeroDivision": zd}, skm.recall_score([0, 1, 1, 1], [0, 1, 2, 2], average="weighted", zero_division=zd), "class 2 never true")

# ---- regression -------------------------------------------------------------------------------
n = 30
yr = rng.normal(2.0, 1.5, n)
pr = yr + rng.normal(0, 0.5, n)
wr = np.round(rng.uniform(0.5, 2.0, n), 3)
y2 = rng.normal(0, 1, (25, 3))
p2 = y2 * np.array([1.0, 0.5, -0.2]) + rng.normal(0, 0.3, (25, 3))
for metric, fn in [("mse", skm.mean_squared_error), ("mae", skm.mean_absolute_error), ("r2", skm.r2_score), ("rmse", lambda a, b, **k: skm.mean_squared_error(a, b, squared=False, **k))]:
    add(metric, yr, pr, {}, fn(yr, pr))
    add(metric, yr, pr, {"sampleWeight": wr}, fn(yr, pr, sample_weight=wr))
    add(metric, y2, p2, {}, fn(y2, p2), "three outputs, uniform average")
add("r2", [3, 3, 3], [3, 3, 3], {}, skm.r2_score([3, 3, 3], [3, 3, 3]), "constant target, exact")
add("r2", [3, 3, 3], [3, 2, 3], {}, skm.r2_score([3, 3, 3], [3, 2, 3]), "constant target, inexact")

with open(os.path.join(ROOT, "test", "fixtures", "metrics.json"), "w") as fh:
    json.dump({"generator": f"scripts/metrics_reference.py, scikit-learn {sklearn.__version__}, numpy {np.__version__}", "cases": cases}, fh, indent=None)
    fh.write("\n")
print(f"wrote {len(cases)} cases")
