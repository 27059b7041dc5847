#!/usr/bin/python3
"""FAISS IVF-PQ on the vector benchmark's data, for a side-by-side figure.

Usage: faiss_ivfpq_bench.py DIR N Q DIM NLIST M NBITS RERANK NPROBE[,NPROBE...]
DIR holds base.f32 (N x DIM float32, unit length), queries.f32 (Q x DIM)
and gt.i32 (Q x 10 int32, the exact top 10). The index is IndexIVFPQ with
exact re-ranking of RERANK x 10 candidates (IndexRefineFlat), as
lakelink's IVF-PQ does. Training and adding use every core, searches one.
Prints one JSON object: build seconds, bytes per vector of the saved
index, and per nprobe queries/s and recall@10.
"""
import json
import os
import sys
import time

import faiss
import numpy as np

d, n, q, dim, nlist, m, nbits, rerank = sys.argv[1], *map(int, sys.argv[2:9])
probes = [int(x) for x in sys.argv[9].split(",")]
base = np.fromfile(d + "/base.f32", dtype=np.float32).reshape(n, dim)
queries = np.fromfile(d + "/queries.f32", dtype=np.float32).reshape(q, dim)
gt = np.fromfile(d + "/gt.i32", dtype=np.int32).reshape(q, 10)

t = time.perf_counter()
quantizer = faiss.IndexFlatL2(dim)
ivf = faiss.IndexIVFPQ(quantizer, dim, nlist, m, nbits)
ivf.train(base)
index = faiss.IndexRefineFlat(ivf)
index.add(base)
index.k_factor = rerank
build = time.perf_counter() - t
faiss.write_index(index, d + "/faiss.bin")
out = {"build_s": build, "bytes_per_vector": os.path.getsize(d + "/faiss.bin") / n, "runs": []}
faiss.omp_set_num_threads(1)
for p in probes:
    ivf.nprobe = p
    t = time.perf_counter()
    _, labels = index.search(queries, 10)
    secs = time.perf_counter() - t
    recall = float(np.mean([len(set(labels[i]) & set(gt[i])) / 10 for i in range(q)]))
    out["runs"].append({"ef": p, "qps": q / secs, "recall": recall})
print(json.dumps(out))
