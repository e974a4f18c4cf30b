#!/usr/bin/env python3
# KFAC-Laplace (ensembles/kronecker_factors.cc, ComputeKroneckerFactors): the cost of one
# batch of lenet fc1's Kronecker factor A, before and after 2026-11-30.
#   /usr/bin/python3 benchmarks/kfac_factor_products.py   (Debian's python3-torch: the same LibTorch)
# A is 9217^2 from 128 rows per batch: the old way (a float64 product into a
# new tensor added to the sum) and the new (float addmm_ into a kept float
# sum), one thread; prints both times and their ratio.
import time, torch
torch.set_num_threads(1)
rows = torch.randn(128, 9217)
old_sum = torch.zeros(9217, 9217, dtype=torch.float64)
new_sum = torch.zeros(9217, 9217)
def best(f, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)
def old():
    global old_sum
    r = rows.double()
    old_sum = old_sum + r.t().mm(r)
def new():
    new_sum.addmm_(rows.t(), rows)
a, b = best(old), best(new)
print(f"old (float64, new tensor): {a:.3f} s  new (float addmm_): {b:.3f} s  ratio {a / b:.2f}")
