// Benchmarks of the collaborative patch-group filter (issue #12, Google Benchmark):
// its kernels — the group search, the 2-D patch transforms, the Hadamard transform
// across a group — and the whole collaborative_denoise, with the graph denoiser's
// quality defaults on the same image in the same run as the baseline.
//
// Images (256×256, from the dev set in experiments/data/dev): RGB = astronaut_s25.png
// (σ 25 noise as the dev set made it); grey = the luminance of camera_clean.png plus
// σ 25 noise (lidecm's seeded stream), rounded to 8 bits. Both filters are told σ 25.
//
//   ./build/bench/perf/bench_collaborative --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "denoise/block_matching.hpp"
#include "denoise/colour_planes.hpp"
#include "denoise/group_transform.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "quality_common.hpp"

namespace {

constexpr double kSigma = 25.0 / 255.0;
constexpr std::uint64_t kNoiseSeed = 20261201;

const lidecm::Image& rgb_image() {
    static const lidecm::Image img = lidecm::load_image(std::string(LIDECM_BENCH_DEV_DIR) + "/astronaut_s25.png");
    return img;
}

const lidecm::Image& grey_image() {
    static const lidecm::Image img = lidecm::bench::as_saved_8bit(lidecm::add_gaussian_noise(
        lidecm::to_grey(lidecm::load_image(std::string(LIDECM_BENCH_DEV_DIR) + "/camera_clean.png")), kSigma,
        kNoiseSeed, true));
    return img;
}

const lidecm::Image& image_for(const benchmark::State& state) { return state.range(0) == 3 ? rgb_image() : grey_image(); }

// --- the group search ---------------------------------------------------------------

/// match_patches on the luminance guide of the RGB image with the stage-1 settings
/// (patch 8, 16 matches, Lebrun's threshold below σ 40) and the radius of the
/// argument (16: Lebrun's; 32: CollaborativeOptions' default), one reference per
/// call, cycling over the reference grid (step 3) so every kind of window counts.
void BM_MatchPatches(benchmark::State& state) {
    const lidecm::detail::Planes planes = lidecm::detail::to_opponent(rgb_image(), 0);
    const lidecm::detail::PlaneView guide = planes.guide();
    lidecm::detail::MatchParams p;
    p.patch = 8;
    p.radius = int(state.range(0));
    p.max_matches = 16;
    p.max_distance = float(2500.0 * lidecm::detail::guide_distance_scale(3) / (255.0 * 255.0));
    std::vector<std::pair<int, int>> refs;
    for (int y = 0; y + p.patch <= guide.height; y += 3) {
        for (int x = 0; x + p.patch <= guide.width; x += 3) refs.emplace_back(y, x);
    }
    std::vector<lidecm::detail::PatchMatch> out;
    std::size_t i = 0, matched = 0;
    for (auto _ : state) {
        const auto [y, x] = refs[i];
        lidecm::detail::match_patches(guide, y, x, p, out);
        matched += out.size();
        benchmark::DoNotOptimize(out.data());
        i = i + 1 == refs.size() ? 0 : i + 1;
    }
    state.counters["group"] = double(matched) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MatchPatches)->ArgName("radius")->Arg(16)->Arg(32)->Unit(benchmark::kMicrosecond);

// --- the 2-D patch transforms -----------------------------------------------------

/// 64 distinct 8×8 patches of the grey image, stored one after the other.
std::vector<float> patch_block() {
    const lidecm::Image& img = grey_image();
    std::vector<float> v;
    for (int p = 0; p < 64; ++p) {
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) v.push_back(img.at(24 * (p / 8) + y, 24 * (p % 8) + x, 0));
        }
    }
    return v;
}

void BM_Transform2dForward(benchmark::State& state) {
    const lidecm::detail::Separable2d t(8, lidecm::detail::Basis(state.range(0)));
    const std::vector<float> in = patch_block();
    std::vector<float> out(in.size());
    for (auto _ : state) {
        for (std::size_t p = 0; p < 64; ++p) t.forward(in.data() + p * 64, 8, out.data() + p * 64);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * 64);  // patches
}
BENCHMARK(BM_Transform2dForward)->ArgName("bior")->Arg(int(lidecm::detail::Basis::Dct))
    ->Arg(int(lidecm::detail::Basis::Bior15))->Unit(benchmark::kMicrosecond);

void BM_Transform2dInverse(benchmark::State& state) {
    const lidecm::detail::Separable2d t(8, lidecm::detail::Basis(state.range(0)));
    const std::vector<float> patches = patch_block();
    std::vector<float> in(patches.size()), out(patches.size());
    for (std::size_t p = 0; p < 64; ++p) t.forward(patches.data() + p * 64, 8, in.data() + p * 64);
    for (auto _ : state) {
        for (std::size_t p = 0; p < 64; ++p) t.inverse(in.data() + p * 64, out.data() + p * 64);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Transform2dInverse)->ArgName("bior")->Arg(int(lidecm::detail::Basis::Dct))
    ->Arg(int(lidecm::detail::Basis::Bior15))->Unit(benchmark::kMicrosecond);

// --- the transform across a group ---------------------------------------------------

/// hadamard of n vectors of 64 coefficients (n = 16: a full group of either stage with the
/// defaults; 32: a stage-2 group at Lebrun's size, group_wiener = 32).
void BM_Hadamard(benchmark::State& state) {
    const int n = int(state.range(0));
    std::vector<float> group(std::size_t(n) * 64);
    for (std::size_t e = 0; e < group.size(); ++e) group[e] = float(std::sin(double(e)));
    for (auto _ : state) {
        lidecm::detail::hadamard(group.data(), n, 64);
        benchmark::DoNotOptimize(group.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Hadamard)->Arg(16)->Arg(32)->Unit(benchmark::kNanosecond);

// --- whole filters, same image, same run --------------------------------------------

/// Runs `filter` (returning a result with an `image`) once per iteration; returns the last result.
template <class Filter>
auto time_filter(benchmark::State& state, Filter filter) {
    decltype(filter()) r;
    for (auto _ : state) {
        r = filter();
        benchmark::DoNotOptimize(r.image.data.data());
        benchmark::ClobberMemory();
    }
    return r;
}

/// collaborative_denoise told σ 25; arg = channels (1 grey, 3 RGB); arg 2 = 0: stage 1 only.
void BM_Collaborative(benchmark::State& state) {
    const lidecm::Image& img = image_for(state);
    lidecm::CollaborativeOptions o;
    o.noise_sigma = kSigma;
    o.wiener = state.range(1) != 0;
    const auto r = time_filter(state, [&] { return lidecm::collaborative_denoise(img, o); });
    state.counters["groups"] = double(r.groups);
}
BENCHMARK(BM_Collaborative)->ArgNames({"channels", "wiener"})->Args({1, 1})->Args({3, 1})->Args({3, 0})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

/// The graph denoiser with its quality defaults, recommended_params(σ 25): the baseline.
void BM_GraphDenoise(benchmark::State& state) {
    const lidecm::Image& img = image_for(state);
    const lidecm::GraphParams p = lidecm::recommended_params(kSigma);
    const auto r = time_filter(state, [&] { return lidecm::denoise(img, p); });
    state.counters["patches"] = double(r.patches);
}
BENCHMARK(BM_GraphDenoise)->ArgName("channels")->Arg(1)->Arg(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
