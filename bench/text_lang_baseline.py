#!/usr/bin/env python3
"""The scikit-learn baseline of bench/text_lang.sh: character n-gram TF-IDF + logistic regression.

    python3 bench/text_lang_baseline.py TRAIN.csv TEST.csv     (CSV files with text,language columns)

Prints the test accuracy. Needs Debian's python3-sklearn (scripts/install-bench-deps.sh).
"""
import csv
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["language"] for r in rows]


x_train, y_train = read(sys.argv[1])
x_test, y_test = read(sys.argv[2])
vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 4), lowercase=True)
clf = LogisticRegression(max_iter=2000, C=1.0)
clf.fit(vec.fit_transform(x_train), y_train)
acc = (clf.predict(vec.transform(x_test)) == y_test).mean()
print(f"sklearn char 1-4-gram TF-IDF + LogisticRegression(C=1): test accuracy {acc:.4f}")
