#!/usr/bin/python3
"""hnswlib on the vector benchmark's data, for a side-by-side figure.

Usage: hnswlib_bench.py DIR N Q DIM M EF_CONSTRUCTION EF[,EF...]
DIR holds base.f32 (N x DIM float32), queries.f32 (Q x DIM) and gt.i32
(Q x 10 int32, the exact top 10 by cosine). Prints one JSON object: build
seconds (one thread) and, per ef, single-threaded queries/s and recall@10.
"""
import json
import os
import sys
import time

import hnswlib
import numpy as np

d, n, q, dim, m, efc = sys.argv[1], *map(int, sys.argv[2:7])
efs = [int(x) for x in sys.argv[7].split(",")]
base = np.fromfile(d + "/base.f32", dtype=np.float32).reshape(n, dim)
queries = np.fromfile(d + "/queries.f32", dtype=np.float32).reshape(q, dim)
gt = np.fromfile(d + "/gt.i32", dtype=np.int32).reshape(q, 10)

index = hnswlib.Index(space="cosine", dim=dim)
index.init_index(max_elements=n, M=m, ef_construction=efc, random_seed=1)
index.set_num_threads(1)
t = time.perf_counter()
index.add_items(base, np.arange(n))
build = time.perf_counter() - t
index.save_index(d + "/hnswlib.bin")
out = {"build_s": build, "bytes_per_vector": os.path.getsize(d + "/hnswlib.bin") / n, "runs": []}
for ef in efs:
    index.set_ef(ef)
    t = time.perf_counter()
    labels, _ = index.knn_query(queries, k=10, num_threads=1)
    secs = time.perf_counter() - t
    recall = float(np.mean([len(set(labels[i]) & set(gt[i])) / 10 for i in range(q)]))
    out["runs"].append({"ef": ef, "qps": q / secs, "recall": recall})
print(json.dumps(out))
