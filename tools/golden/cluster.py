#!/usr/bin/python3
"""Golden values for descent's cluster library, computed with scikit-learn 1.2 (Debian python3-sklearn).

Writes tests/golden/cluster.json:
  labelings: pairs of integer labelings (random, permuted, refined, degenerate) with
    adjusted_rand_score, mutual_info_score, normalized_mutual_info_score (arithmetic) and purity
    (from sklearn's contingency_matrix: sum of column maxima / n).
  silhouette: x [60, 3] and labels; silhouette_samples and silhouette_score (exact).
  kmeans: x [300, 4] (float64) and given initial centers; KMeans(init=centers, n_init=1, Lloyd)
    fitted centers, labels, inertia and n_iter; one case starts with a center far from all points
    (an empty cluster at the first step).
  pca: x [80, 5] correlated; PCA(n_components=2) mean, components (up to sign), explained
    variance and ratio.

Run from the repository root:  /usr/bin/python3 tools/golden/cluster.py
"""
import json
import os

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (adjusted_rand_score, mutual_info_score, normalized_mutual_info_score,
                             silhouette_samples, silhouette_score)
from sklearn.metrics.cluster import contingency_matrix

rng = np.random.default_rng(20261127)


def flist(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def ilist(a):
    return [int(v) for v in np.asarray(a).reshape(-1)]


def labelings():
    cases = []
    a = rng.integers(0, 4, 100)
    pairs = [
        ("random", a, rng.integers(0, 5, 100)),
        ("permuted", a, (a + 2) % 4),
        ("refined", a, a * 2 + rng.integers(0, 2, 100)),
        ("noisy", a, np.where(rng.random(100) < 0.2, rng.integers(0, 4, 100), a)),
        ("odd_values", np.array([7, 7, -3, -3, 100, 100, 7]), np.array([1, 1, 1, 2, 2, 3, 3])),
        ("one_cluster_each", np.zeros(10, dtype=int), np.zeros(10, dtype=int)),
        ("one_vs_many", np.zeros(10, dtype=int), np.arange(10)),
        ("all_singletons", np.arange(12), np.arange(12)[::-1]),
    ]
    for name, t, p in pairs:
        cm = contingency_matrix(t, p)
        cases.append({
            "name": name, "true": ilist(t), "pred": ilist(p),
            "ari": float(adjusted_rand_score(t, p)),
            "mi": float(mutual_info_score(t, p)),
            "nmi": float(normalized_mutual_info_score(t, p)),
            "purity": float(cm.max(axis=0).sum() / cm.sum()),
        })
    return cases


def silhouette():
    centers = np.array([[0, 0, 0], [3, 0, 1], [0, 4, -1]], dtype=np.float64)
    labels = np.repeat(np.arange(3), 20)
    x = centers[labels] + rng.normal(0, 1.0, (60, 3))
    labels = labels.copy()
    labels[[5, 25]] = labels[[25, 5]]  # two misassigned points: negative coefficients
    return {"x": flist(x), "shape": list(x.shape), "labels": ilist(labels),
            "samples": flist(silhouette_samples(x, labels)), "score": float(silhouette_score(x, labels))}


def kmeans_cases():
    centers = rng.normal(0, 4, (5, 4))
    labels = rng.integers(0, 5, 300)
    x = centers[labels] + rng.normal(0, 1.5, (300, 4))
    out = []
    inits = {
        "first_rows": x[:5].copy(),
        "far_center": np.vstack([x[:4], np.full((1, 4), 1000.0)]),
    }
    for name, init in inits.items():
        km = KMeans(n_clusters=5, init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=1e-4).fit(x)
        out.append({"name": name, "init": flist(init), "centers": flist(km.cluster_centers_),
                    "labels": ilist(km.labels_), "inertia": float(km.inertia_), "n_iter": int(km.n_iter_)})
    return {"x": flist(x), "shape": list(x.shape), "cases": out}


def pca():
    z = rng.normal(0, 1, (80, 2))
    mix = np.array([[3.0, 1.0, 0.5, -2.0, 0.0], [0.0, 1.0, -1.0, 0.5, 2.0]])
    x = z @ mix + rng.normal(0, 0.1, (80, 5)) + np.array([1, -2, 3, 0, 5])
    p = PCA(n_components=2).fit(x)
    return {"x": flist(x), "shape": list(x.shape), "mean": flist(p.mean_), "components": flist(p.components_),
            "explained_variance": flist(p.explained_variance_),
            "explained_variance_ratio": flist(p.explained_variance_ratio_), "transform": flist(p.transform(x))}


def main():
    out = {"labelings": labelings(), "silhouette": silhouette(), "kmeans": kmeans_cases(), "pca": pca()}
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    path = os.path.join(root, "tests", "golden", "cluster.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
