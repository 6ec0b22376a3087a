// Benchmarks of the EM codebook (Google Benchmark): the E-step assignment and
// full-batch k-means on the shape of the targets (8,192 vectors of
// 8×8×3, K = 512).
//
// Data: the 8×8 tiles of the built-in sample photos (grey ones replicated to
// RGB). Every 4th photo (by name: astronaut, coffee, hubble_deep_field, retina)
// is held out; 8,192 tiles drawn with a fixed seed from the other photos train,
// 8,192 drawn from the held-out photos give the held-out PSNR counter. Without the samples (run
// scripts/samples.sh) the data are synthetic smooth patches, and the
// benchmark's label says so.
//
// BM_GemmEigen and BM_GemmOpenBLAS time the bare matrix product of the E-step
// (n × D times D × K, the library's threading), so the overhead of the argmin
// and of the blocking can be read off against BM_Assign.
//
//   ./build/bench/perf/bench_codebook --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   ./build/bench/perf/bench_codebook --benchmark_filter=BM_TrainKMeans
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

// GCC 12's false maybe-uninitialized inside its AVX-512 intrinsics, when it
// inlines Eigen's product kernel: silenced for these headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <Eigen/Core>
#pragma GCC diagnostic pop
#ifdef LIDECM_BENCH_CBLAS
#include <cblas.h>
#endif

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/data/samples.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "photo_tiles.hpp"  // split_photos

namespace {

constexpr int kPatch = 8;
constexpr int kDim = kPatch * kPatch * 3;
constexpr int kCodes = 512;
constexpr std::size_t kVectors = 8192;
constexpr std::uint64_t kSeed = 1234;

struct Data {
    std::vector<float> train;    ///< kVectors × kDim
    std::vector<float> heldout;  ///< kVectors × kDim
    std::string source;
};

// All 8×8 tiles of the photos, shuffled with a fixed seed; at most kVectors of them.
std::vector<float> draw_tiles(const std::vector<std::filesystem::path>& photos) {
    std::vector<float> tiles;
    for (const auto& path : photos) {
        const lidecm::Tiles t = lidecm::extract_tiles(lidecm::to_rgb(lidecm::load_image(path)), kPatch);
        tiles.insert(tiles.end(), t.values.begin(), t.values.end());
    }
    const std::size_t count = tiles.size() / kDim;
    std::vector<std::size_t> order(count);
    for (std::size_t i = 0; i < count; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(kSeed));
    std::vector<float> out(std::min(count, kVectors) * kDim);
    for (std::size_t i = 0; i * kDim < out.size(); ++i)
        std::copy_n(&tiles[order[i] * kDim], kDim, out.begin() + std::ptrdiff_t(i * kDim));
    return out;
}

Data load_data() {
    Data data;
    data.source = "samples";
    try {
        const lidecm::bench::PhotoSplit photos = lidecm::bench::split_photos(4);
        data.train = draw_tiles(photos.train);
        data.heldout = draw_tiles(photos.held_out);
    } catch (const lidecm::Error&) {
        data.train.clear();
    }
    if (data.train.size() < kVectors * kDim || data.heldout.size() < kVectors * kDim) {
        // Smooth random patches: a random colour plus a random gradient per patch.
        data.source = "synthetic";
        std::vector<float> tiles(2 * kVectors * kDim, 0.0f);
        std::mt19937_64 rng(kSeed);
        std::uniform_real_distribution<float> u(0.0f, 1.0f);
        for (std::size_t i = 0; i < 2 * kVectors; ++i) {
            const float base = u(rng), gy = 0.05f * (u(rng) - 0.5f), gx = 0.05f * (u(rng) - 0.5f);
            for (int y = 0; y < kPatch; ++y)
                for (int x = 0; x < kPatch; ++x)
                    for (int c = 0; c < 3; ++c)
                        tiles[i * kDim + std::size_t((y * kPatch + x) * 3 + c)] =
                            std::clamp(base + gy * float(y) + gx * float(x) + 0.02f * float(c), 0.0f, 1.0f);
        }
        data.train.assign(tiles.begin(), tiles.begin() + std::ptrdiff_t(kVectors * kDim));
        data.heldout.assign(tiles.begin() + std::ptrdiff_t(kVectors * kDim), tiles.end());
    }
    return data;
}

const Data& data() {
    static const Data d = load_data();
    return d;
}

const lidecm::Codebook& initial_codebook() {
    static const lidecm::Codebook cb = lidecm::Codebook::kmeans_plus_plus(
        data().train.data(), kVectors, kDim, lidecm::CodebookOptions{.num_codes = kCodes, .seed = kSeed});
    return cb;
}

void set_flops(benchmark::State& state) {
    state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(kVectors) * kCodes * kDim * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(data().source);
}

// --- E-step --------------------------------------------------------------------

/// Argument: block_rows.
void BM_Assign(benchmark::State& state) {
    const lidecm::Codebook& cb = initial_codebook();
    for (auto _ : state) {
        auto a = cb.assign(data().train.data(), kVectors, int(state.range(0)));
        benchmark::DoNotOptimize(a.index.data());
    }
    set_flops(state);
}
BENCHMARK(BM_Assign)->ArgName("block")->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The bare product X · Cᵀ (8192 × 512) with Eigen's own OpenMP threading.
void BM_GemmEigen(benchmark::State& state) {
    const lidecm::Codebook& cb = initial_codebook();
    const Eigen::Map<const RowMatrix> x(data().train.data(), Eigen::Index(kVectors), kDim);
    const Eigen::Map<const RowMatrix> c(cb.data(), kCodes, kDim);
    RowMatrix g(Eigen::Index(kVectors), kCodes);
    for (auto _ : state) {
        g.noalias() = x * c.transpose();
        benchmark::DoNotOptimize(g.data());
    }
    set_flops(state);
}
BENCHMARK(BM_GemmEigen)->UseRealTime()->Unit(benchmark::kMillisecond);

#ifdef LIDECM_BENCH_CBLAS
/// The same product with OpenBLAS's cblas_sgemm (its own threads).
void BM_GemmOpenBLAS(benchmark::State& state) {
    const lidecm::Codebook& cb = initial_codebook();
    std::vector<float> g(kVectors * kCodes);
    for (auto _ : state) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(kVectors), kCodes, kDim, 1.0f, data().train.data(),
                    kDim, cb.data(), kDim, 0.0f, g.data(), kCodes);
        benchmark::DoNotOptimize(g.data());
    }
    set_flops(state);
}
BENCHMARK(BM_GemmOpenBLAS)->UseRealTime()->Unit(benchmark::kMillisecond);
#endif

// --- full-batch k-means ----------------------------------------------------------

double psnr_of(const lidecm::Codebook& cb, const std::vector<float>& x) {
    lidecm::CodebookStats s(cb.size(), cb.dim());
    s.accumulate(x.data(), kVectors, cb.assign(x.data(), kVectors));
    return -10.0 * std::log10(lidecm::usage(s).mse);
}

/// Argument: Lloyd iterations after k-means++ (CodebookOptions's default is 20;
/// faiss runs 25 from a random start).
void BM_TrainKMeans(benchmark::State& state) {
    const int iterations = int(state.range(0));
    const lidecm::CodebookOptions options{.num_codes = kCodes, .seed = kSeed, .kmeans_iterations = iterations};
    (void)data();  // loading the photos is not part of the timing
    std::vector<lidecm::KMeansResult> results;
    for (auto _ : state) results.push_back(lidecm::train_kmeans(data().train.data(), kVectors, kDim, options));
    const lidecm::KMeansResult& r = results.back();
    const double last = r.iterations.back().objective;
    state.counters["init_s"] = r.init_seconds;
    // How much the last iteration still gained: is kIterations enough?
    state.counters["last_gain_%"] = 100.0 * (r.iterations[std::size_t(iterations - 2)].objective - last) / last;
    state.counters["train_PSNR"] = psnr_of(r.codebook, data().train);
    state.counters["heldout_PSNR"] = psnr_of(r.codebook, data().heldout);
    state.SetLabel(data().source);
}
BENCHMARK(BM_TrainKMeans)->ArgName("iters")->Arg(10)->Arg(20)->Arg(25)->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
