#!/usr/bin/env python3
"""Fits the confidence gate (kb/src/gate.rs) on the dev halves only.

Reads the output of `cargo run -p porchlight-kb --example features`
(label, set, features...) and fits a logistic regression, `hit` (an
article answers and a suggestion is right) against `none` (no article
answers), with L2, each question counting once. Prints the
weights, the threshold that keeps the bot quiet on at least QUIET of the
unanswerable dev questions, and a leave-one-set-out check (fit on the
other sets' dev halves, score the left-out set's dev half) so a feature
that only helps the set it was fitted on shows up here, not on test.
Usage: fit_gate.py FEATURES.tsv [feature indices to use, default all]
"""
import sys
import numpy as np

QUIET = 0.85
L2 = 0.3

def load(path):
    rows = [l.rstrip("\n").split("\t") for l in open(path)]
    rows = [r for r in rows if r[0] in ("hit", "none")]
    y = np.array([1.0 if r[0] == "hit" else 0.0 for r in rows])
    sets = np.array([r[1] for r in rows])
    n = len(rows[0]) - 3
    x = np.array([[float(v) for v in r[2:2 + n]] for r in rows])
    return x, y, sets

def fit(x, y):
    w = np.zeros(x.shape[1])
    # Unweighted: balancing the classes fitted the many clear cases on
    # both sides and kept fewer right answers at the chosen quiet rate
    # (leave-one-set-out on dev).
    cw = np.ones_like(y)
    reg = np.full(x.shape[1], L2)
    reg[0] = 0.0  # no penalty on the bias
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        g = x.T @ (cw * (p - y)) + reg * w
        h = (x * (cw * p * (1 - p))[:, None]).T @ x + np.diag(reg) + 1e-6 * np.eye(x.shape[1])
        w -= np.linalg.solve(h, g)
    return w

def threshold(z, y):
    neg = np.sort(z[y == 0])
    k = int(np.ceil(QUIET * len(neg))) - 1
    return neg[k] + 1e-3

def report(x, y, sets, cols):
    x = x[:, cols]
    w = fit(x, y)
    z = x @ w
    t = threshold(z, y)
    print("weights", ", ".join(f"{v:.3f}" for v in w), f"threshold {t:.3f}")
    print(f"  dev (fitted): kept {np.mean(z[y == 1] >= t):.3f} of right answers, quiet {np.mean(z[y == 0] < t):.3f}")
    for s in sorted(set(sets)):
        tr, te = sets != s, sets == s
        wi = fit(x[tr], y[tr])
        ti = threshold(x[tr] @ wi, y[tr])
        zi = x[te] @ wi
        yt = y[te]
        q = np.mean(zi[yt == 0] < ti) if (yt == 0).any() else float("nan")
        print(f"  left out {s:<14} kept {np.mean(zi[yt == 1] >= ti):.3f} quiet {q:.3f} (n={len(yt)})")
    return w, t

if __name__ == "__main__":
    x, y, sets = load(sys.argv[1])
    cols = [int(c) for c in sys.argv[2].split(",")] if len(sys.argv) > 2 else list(range(x.shape[1]))
    report(x, y, sets, cols)
