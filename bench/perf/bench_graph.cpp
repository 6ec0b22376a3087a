// Benchmarks of the patch-graph denoiser (Google Benchmark).
//
// Every benchmark runs on the same synthetic, deterministic RGB test image: a
// smooth colour gradient plus Gaussian noise of sigma 0.1 (seeded), at the side
// given as the benchmark's argument. GraphParams{} defaults (patch 8, stride 5)
// are the training path. BM_OpenCVNlMeans is the baseline in the same run, so
// ratios between rows are meaningful on a busy machine.
//
//   ./build/bench/perf/bench_graph --benchmark_min_time=0.2
//   ./build/bench/perf/bench_graph --benchmark_filter='BM_GraphPart|BM_OpenCV'
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <numbers>

#include <opencv2/core.hpp>
#include <opencv2/photo.hpp>

#include "lidecm/learner/em_learner.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/denoise/patches.hpp"

namespace {

constexpr std::uint64_t kNoiseSeed = 20240601;
constexpr double kNoiseSigma = 0.1;

/// Smooth RGB gradient of side×side (no noise).
lidecm::Image gradient_image(int side) {
    lidecm::Image img(side, side, 3);
    const double scale = side > 1 ? 1.0 / double(side - 1) : 0.0;
    for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
            const double u = x * scale;
            const double v = y * scale;
            img.at(y, x, 0) = float(0.1 + 0.8 * u);
            img.at(y, x, 1) = float(0.1 + 0.8 * v);
            img.at(y, x, 2) = float(0.5 + 0.3 * std::sin(2.0 * std::numbers::pi * (u + v) / 2.0));
        }
    }
    return img;
}

/// The noisy test image of a side, built once and cached.
const lidecm::Image& test_image(int side) {
    static std::map<int, lidecm::Image> cache;
    auto it = cache.find(side);
    if (it == cache.end()) {
        it = cache.emplace(side, lidecm::add_gaussian_noise(gradient_image(side), kNoiseSigma, kNoiseSeed, true))
                 .first;
    }
    return it->second;
}

/// The 8-bit BGR version of an RGB image, as OpenCV expects it.
cv::Mat to_bgr8(const lidecm::Image& img) {
    cv::Mat m(img.height, img.width, CV_8UC3);
    for (int y = 0; y < img.height; ++y) {
        auto* row = m.ptr<cv::Vec3b>(y);
        for (int x = 0; x < img.width; ++x) {
            for (int c = 0; c < 3; ++c) {
                const double v = std::lround(double(img.at(y, x, c)) * 255.0);
                row[x][2 - c] = cv::saturate_cast<unsigned char>(v);
            }
        }
    }
    return m;
}

// --- the graph part: build_patch_graph + similarity + diffuse -----------------

void BM_GraphPart(benchmark::State& state) {
    const int side = int(state.range(0));
    const lidecm::GraphParams params{};
    const lidecm::PatchSet patches = lidecm::extract_patches(test_image(side), params.patch_size, params.stride);
    std::size_t edges = 0;
    for (auto _ : state) {
        lidecm::PatchGraph graph = lidecm::build_patch_graph(patches, params);
        lidecm::Similarity s = lidecm::similarity(graph, params.sigma);
        lidecm::diffuse(s, graph, params.tau, params.smooth_steps);
        edges = graph.nnz();
        benchmark::DoNotOptimize(s.off.data());
        benchmark::ClobberMemory();
    }
    state.counters["patches"] = double(patches.size());
    state.counters["edges"] = double(edges);
    state.SetItemsProcessed(state.iterations() * std::int64_t(patches.size()));
}
BENCHMARK(BM_GraphPart)->Arg(64)->Arg(256)->Arg(512)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

// --- end to end -----------------------------------------------------------------

void run_denoise(benchmark::State& state, const lidecm::GraphParams& params) {
    const lidecm::Image& img = test_image(int(state.range(0)));
    std::size_t patches = 0, edges = 0;
    for (auto _ : state) {
        lidecm::DenoiseResult r = lidecm::denoise(img, params);
        patches = r.patches;
        edges = r.edges;
        benchmark::DoNotOptimize(r.image.data.data());
        benchmark::ClobberMemory();
    }
    state.counters["patches"] = double(patches);
    state.counters["edges"] = double(edges);
    state.SetItemsProcessed(state.iterations() * std::int64_t(patches));
}

void BM_Denoise(benchmark::State& state) { run_denoise(state, lidecm::GraphParams{}); }
BENCHMARK(BM_Denoise)->Arg(64)->Arg(256)->Arg(512)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_DenoiseQualityDefaults(benchmark::State& state) {
    run_denoise(state, lidecm::recommended_params(25.0 / 255.0));
}
BENCHMARK(BM_DenoiseQualityDefaults)->Arg(256)->Arg(512)->UseRealTime()->Unit(benchmark::kMillisecond);

// --- learner update ---------------------------------------------------------------

void BM_UpdateGlobalParams(benchmark::State& state) {
    const int side = int(state.range(0));
    const lidecm::GraphParams params{};
    const lidecm::PatchSet patches = lidecm::extract_patches(test_image(side), params.patch_size, params.stride);
    lidecm::EMParameterLearner learner;
    std::int64_t i = 0;
    for (auto _ : state) {
        // Alternating loss: the delta changes sign every call, so both branches
        // of weighted_parameter_update (loss went up / went down) run.
        const double loss = (i++ % 2 == 0) ? 0.2 : 0.1;
        learner.update_global_params(loss, 0.5, &patches);
        benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(learner.get_parameters().sigma);
    state.counters["patches"] = double(patches.size());
    state.SetItemsProcessed(state.iterations() * std::int64_t(patches.size()));
}
BENCHMARK(BM_UpdateGlobalParams)->Arg(256)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_UpdateGlobalParamsNoPatches(benchmark::State& state) {
    lidecm::EMParameterLearner learner;
    std::int64_t i = 0;
    for (auto _ : state) {
        const double loss = (i++ % 2 == 0) ? 0.2 : 0.1;
        learner.update_global_params(loss, 0.5);
        benchmark::ClobberMemory();
    }
    benchmark::DoNotOptimize(learner.get_parameters().sigma);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpdateGlobalParamsNoPatches)->UseRealTime()->Unit(benchmark::kMicrosecond);

// --- baseline ---------------------------------------------------------------------

void BM_OpenCVNlMeans(benchmark::State& state) {
    const cv::Mat src = to_bgr8(test_image(int(state.range(0))));
    cv::Mat dst;
    for (auto _ : state) {
        cv::fastNlMeansDenoisingColored(src, dst, 25.0f, 25.0f, 7, 21);
        benchmark::DoNotOptimize(dst.data);
        benchmark::ClobberMemory();
    }
    state.counters["pixels"] = double(src.total());
    state.SetItemsProcessed(state.iterations() * std::int64_t(src.total()));
}
BENCHMARK(BM_OpenCVNlMeans)->Arg(256)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
