// hnswlib on the vector benchmark's data, compiled for this machine
// (scripts/bench-peers: g++ -O3 -march=native against Debian's
// libhnswlib-dev headers), so that its distance kernels use the same SIMD
// sets as lakelink's; Debian's python3-hnswlib is an SSE-only build.
//
// Usage: hnswlib_bench DIR N Q DIM M EF_CONSTRUCTION EF[,EF...]
// DIR holds base.f32 (N x DIM float32), queries.f32 (Q x DIM) and gt.i32
// (Q x 10 int32, the exact top 10 by cosine). Prints one JSON object, as
// hnswlib_bench.py does: build seconds (one thread), bytes per vector of
// the saved index and, per ef, single-threaded queries/s and recall@10.
// Cosine is the inner product of normalised vectors, as hnswlib's Python
// binding computes it.
#include <hnswlib/hnswlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

static std::vector<float> readFloats(const std::string &path, size_t count) {
    std::vector<float> v(count);
    std::ifstream f(path, std::ios::binary);
    if (!f.read(reinterpret_cast<char *>(v.data()), count * sizeof(float))) {
        std::fprintf(stderr, "hnswlib_bench: cannot read %zu floats from %s\n", count, path.c_str());
        std::exit(1);
    }
    return v;
}

static void normalise(std::vector<float> &v, size_t dim) {
    for (size_t i = 0; i + dim <= v.size(); i += dim) {
        double s = 0;
        for (size_t k = 0; k < dim; k++) s += double(v[i + k]) * v[i + k];
        if (s > 0) {
            float inv = float(1 / std::sqrt(s));
            for (size_t k = 0; k < dim; k++) v[i + k] *= inv;
        }
    }
}

static double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int main(int argc, char **argv) {
    if (argc != 8) {
        std::fprintf(stderr, "usage: hnswlib_bench DIR N Q DIM M EF_CONSTRUCTION EF[,EF...]\n");
        return 2;
    }
    std::string dir = argv[1];
    size_t n = std::stoul(argv[2]), q = std::stoul(argv[3]), dim = std::stoul(argv[4]);
    size_t m = std::stoul(argv[5]), efc = std::stoul(argv[6]);
    std::vector<size_t> efs;
    std::stringstream list(argv[7]);
    for (std::string e; std::getline(list, e, ',');) efs.push_back(std::stoul(e));

    std::vector<float> base = readFloats(dir + "/base.f32", n * dim);
    std::vector<float> queries = readFloats(dir + "/queries.f32", q * dim);
    std::vector<int32_t> gt(q * 10);
    {
        std::ifstream f(dir + "/gt.i32", std::ios::binary);
        if (!f.read(reinterpret_cast<char *>(gt.data()), gt.size() * sizeof(int32_t))) {
            std::fprintf(stderr, "hnswlib_bench: cannot read %s/gt.i32\n", dir.c_str());
            return 1;
        }
    }
    normalise(base, dim);
    normalise(queries, dim);

    hnswlib::InnerProductSpace space(dim);
    hnswlib::HierarchicalNSW<float> index(&space, n, m, efc, 1);
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; i++) index.addPoint(base.data() + i * dim, i);
    double build = seconds(start);
    std::string saved = dir + "/hnswlib-native.bin";
    index.saveIndex(saved);
    std::ifstream sf(saved, std::ios::binary | std::ios::ate);
    double bytes = double(sf.tellg()) / double(n);
    std::remove(saved.c_str());

    std::printf("{\"build_s\": %.6f, \"bytes_per_vector\": %.3f, \"runs\": [", build, bytes);
    for (size_t r = 0; r < efs.size(); r++) {
        index.setEf(efs[r]);
        size_t found = 0;
        start = std::chrono::steady_clock::now();
        std::vector<std::vector<size_t>> results(q);
        for (size_t i = 0; i < q; i++) {
            auto top = index.searchKnn(queries.data() + i * dim, 10);
            while (!top.empty()) {
                results[i].push_back(top.top().second);
                top.pop();
            }
        }
        double secs = seconds(start);
        for (size_t i = 0; i < q; i++) {
            std::set<size_t> want(gt.begin() + i * 10, gt.begin() + i * 10 + 10);
            for (size_t label : results[i]) found += want.count(label);
        }
        std::printf("%s{\"ef\": %zu, \"qps\": %.3f, \"recall\": %.6f}", r ? ", " : "", efs[r], double(q) / secs,
                    double(found) / double(q * 10));
    }
    std::printf("]}\n");
    return 0;
}
