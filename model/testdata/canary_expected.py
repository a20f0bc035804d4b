#!/usr/bin/env python3
"""Expected values for model/canary_judge_test.go, computed apart from the Go
code with the standard library only (statistics.NormalDist), so the tests
compare two independent implementations. Run: python3 canary_expected.py

Two-proportion z test (pooled), one-sided upper tail; Mann-Whitney U with
midranks, tie-corrected variance, continuity correction 0.5, one-sided
(first sample greater): the same definitions as scipy.stats.mannwhitneyu
(alternative="greater", method="asymptotic", use_continuity=True)."""
from math import sqrt
from statistics import NormalDist

N = NormalDist()

def two_prop(x1, n1, x2, n2):
    p1, p2 = x1 / n1, x2 / n2
    pool = (x1 + x2) / (n1 + n2)
    se = sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    z = (p1 - p2) / se
    return z, N.cdf(-z)

def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    ties = 0
    while i < len(order):
        j = i
        while j < len(order) and values[order[j]] == values[order[i]]:
            j += 1
        for k in range(i, j):
            r[order[k]] = (i + 1 + j) / 2
        t = j - i
        ties += t ** 3 - t
        i = j
    return r, ties

def mwu(x, y):
    x = [v for v in x if v == v]
    y = [v for v in y if v == v]
    n1, n2 = len(x), len(y)
    r, ties = ranks(x + y)
    u = sum(r[:n1]) - n1 * (n1 + 1) / 2
    n = n1 + n2
    mean = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    z = (u - mean - 0.5) / sqrt(var)
    return u, z, N.cdf(-z)

nan = float("nan")
props = [
    (33, 812, 30, 9940),    # the example: 4.1 % vs 0.3 %
    (5, 1000, 40, 10000),   # 0.5 % vs 0.4 %: no evidence
    (12, 400, 60, 4000),    # 3 % vs 1.5 %
    (140, 200, 255, 340),   # the published example (below), upper tail
]
for c in props:
    z, p = two_prop(*c)
    print("prop", c, "z=%.10f p=%.10g" % (z, p))

samples = {
    "slower": ([0.30, 0.32, 0.35, 0.31, 0.40, 0.38, 0.33, 0.36],
               [0.20, 0.21, 0.19, 0.22, 0.20, 0.23, 0.21, 0.18]),
    "same_with_nan": ([0.20, nan, 0.21, 0.19, 0.22, 0.20],
                      [0.21, 0.20, 0.19, nan, 0.22, 0.20, 0.21]),
    "ties": ([1, 2, 2, 3, 3, 3, 4], [1, 1, 2, 2, 3]),
    "morning_afternoon": ([66, 70, 73, 75, 75, 79, 82, 87, 95],
                          [53, 81, 83, 84, 84, 84, 85, 86, 88, 90, 91, 92]),
}
for name, (x, y) in samples.items():
    u, z, p = mwu(x, y)
    print("mwu", name, "U=%.4f z=%.10f p=%.10g" % (u, z, p))
