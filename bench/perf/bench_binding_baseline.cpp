// The C++ calls that experiments/python_call_cost/python_bindings.py times through the Python module, on the
// same inputs (files the script writes into LIDECM_BENCH_INPUTS): the difference between
// the two medians is what the binding costs per call.
//   tiny.pgm      1x1 image: collaborative_denoise at sigma 0 (a copy: the call's floor)
//   photo.ppm     256x256 RGB: collaborative_denoise at sigma 25/255, estimate_noise_sigma
//   patches.bin   2,500 patches (8x8x3 float32) and their int64 corners: update_global_params
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include <benchmark/benchmark.h>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/learner/em_learner.hpp"
#include "lidecm/image/noise.hpp"

namespace {

std::string input(const char* name) {
    const char* dir = std::getenv("LIDECM_BENCH_INPUTS");
    if (dir == nullptr) throw std::runtime_error("set LIDECM_BENCH_INPUTS (experiments/python_call_cost/python_bindings.py does)");
    return std::string(dir) + "/" + name;
}

void denoise_case(benchmark::State& state, const char* file, double sigma) {
    const lidecm::Image image = lidecm::load_image(input(file));
    lidecm::CollaborativeOptions o;
    o.noise_sigma = sigma;
    for (auto _ : state) benchmark::DoNotOptimize(lidecm::collaborative_denoise(image, o).image.data.data());
}

void BM_DenoiseTiny(benchmark::State& state) { denoise_case(state, "tiny.pgm", 0.0); }
void BM_Denoise256(benchmark::State& state) { denoise_case(state, "photo.ppm", 25.0 / 255.0); }

void BM_EstimateNoise256(benchmark::State& state) {
    const lidecm::Image image = lidecm::load_image(input("photo.ppm"));
    for (auto _ : state) benchmark::DoNotOptimize(lidecm::estimate_noise_sigma(image));
}

void BM_UpdateGlobalParams2500(benchmark::State& state) {
    std::ifstream in(input("patches.bin"), std::ios::binary);
    std::int64_t n = 0;
    in.read(reinterpret_cast<char*>(&n), sizeof n);
    lidecm::PatchSet set;
    set.patch_size = 8;
    set.channels = 3;
    set.values.resize(std::size_t(n) * 192);
    in.read(reinterpret_cast<char*>(set.values.data()), std::streamsize(set.values.size() * sizeof(float)));
    for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t yx[2];
        in.read(reinterpret_cast<char*>(yx), sizeof yx);
        set.corner_y.push_back(int(yx[0]));
        set.corner_x.push_back(int(yx[1]));
    }
    if (!in) throw std::runtime_error("patches.bin: too short");
    lidecm::EMParameterLearner learner;
    double loss = 0.5;
    for (auto _ : state) {
        loss = loss > 0.4 ? 0.3 : 0.6;  // alternate, as the Python side does
        learner.update_global_params(loss, 0.5, &set);
    }
}

BENCHMARK(BM_DenoiseTiny)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Denoise256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EstimateNoise256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UpdateGlobalParams2500)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
