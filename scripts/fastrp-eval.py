#!/usr/bin/env python3
"""Evaluates node embeddings on multi-label node classification the way the
FastRP authors' BlogCatalog notebook does: features standardised (zero mean,
unit variance), one-vs-rest logistic regression (C = 0.1, liblinear), each
test node predicted with as many labels as it truly has, Micro- and
Macro-F1 over training ratios.

Usage: fastrp-eval.py EMBEDDINGS.f32 DIM LABELS.json RATIO [RATIO ...]
EMBEDDINGS.f32 holds the rows as little-endian float32; LABELS.json is a
list of each node's label lists. Prints one JSON object per ratio.
"""
import json
import warnings
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import ShuffleSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer, StandardScaler


def main():
    warnings.filterwarnings("ignore", message="Label not")
    path, dim, labels_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ratios = [float(r) for r in sys.argv[4:]]
    x = np.fromfile(path, dtype="<f4").reshape(-1, dim)
    with open(labels_path) as f:
        labels = json.load(f)
    y = MultiLabelBinarizer().fit_transform(labels)
    x = StandardScaler().fit_transform(x)
    for ratio in ratios:
        split = ShuffleSplit(n_splits=1, train_size=ratio, random_state=0)
        train, test = next(split.split(x))
        clf = OneVsRestClassifier(LogisticRegression(C=0.1, solver="liblinear"), n_jobs=2)
        clf.fit(x[train], y[train])
        scores = clf.predict_proba(x[test])
        pred = np.zeros_like(y[test])
        for i, k in enumerate(y[test].sum(axis=1)):
            pred[i, np.argsort(-scores[i])[:k]] = 1
        print(json.dumps({
            "ratio": ratio,
            "micro_f1": f1_score(y[test], pred, average="micro"),
            "macro_f1": f1_score(y[test], pred, average="macro", zero_division=0),
        }), flush=True)


if __name__ == "__main__":
    main()
