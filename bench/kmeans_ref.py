#!/usr/bin/python3
"""scikit-learn's KMeans on the 10,000 Fashion-MNIST test images, as bench/kmeans_bench.cpp runs descent's:
pixels / 255 as float32 [10000, 784], k = 10, n_init = 4, k-means++, Lloyd, max_iter 300, tol 1e-4.
Prints the same JSON lines with the prefix sklearn_: sklearn_kmeans_fmnist_s (best of --repeat fits),
sklearn_kmeans_fmnist_inertia and sklearn_kmeans_fmnist_n_iter (of the last fit).

Usage: /usr/bin/python3 bench/kmeans_ref.py [--root DIR] [--repeat N] [--seed S] [--threads N]
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, h, w = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, h * w)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("DESCENT_BENCH_THREADS", "2")))
    a = ap.parse_args()
    x = read_idx_images(os.path.join(a.root, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / np.float32(255)
    best = float("inf")
    with threadpool_limits(limits=a.threads):
        for _ in range(max(1, a.repeat)):
            km = KMeans(n_clusters=10, n_init=4, init="k-means++", algorithm="lloyd", random_state=a.seed)
            t0 = time.perf_counter()
            km.fit(x)
            best = min(best, time.perf_counter() - t0)
    for name, value in (("s", best), ("inertia", float(km.inertia_)), ("n_iter", int(km.n_iter_))):
        print(json.dumps({"bench": "sklearn_kmeans_fmnist_" + name, "value": value}))


if __name__ == "__main__":
    main()
