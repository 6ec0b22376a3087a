// The C++ side of the drop-in learner's conformance test (test_learner.py): reads a
// sequence of calls written by the test, runs them on lidecm::EMParameterLearner, and
// prints the learner's state after each call as one JSON line (doubles round-trip exactly).
//
// Input (little-endian): int64 calls, patch_size, channels; per call: float64 loss,
// float64 smoothness, int64 class (-1: update_global_params, else update_class_params),
// int64 n (patches, 0 = none), n·p·p·C float32 patches, n·2 int64 corners (y, x).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "lidecm/learner/em_learner.hpp"

namespace {

template <typename T>
T read(std::istream& in) {
    T v{};
    in.read(reinterpret_cast<char*>(&v), sizeof v);
    if (!in) throw std::runtime_error("learner_sequence: input ends early");
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: learner_sequence CALLS.bin\n");
        return 2;
    }
    try {
        std::ifstream in(argv[1], std::ios::binary);
        const auto calls = read<std::int64_t>(in), p = read<std::int64_t>(in), c = read<std::int64_t>(in);
        lidecm::EMParameterLearner learner;
        for (std::int64_t k = 0; k < calls; ++k) {
            const auto loss = read<double>(in), smoothness = read<double>(in);
            const auto cls = read<std::int64_t>(in), n = read<std::int64_t>(in);
            lidecm::PatchSet set;
            set.patch_size = int(p);
            set.channels = int(c);
            set.values.resize(std::size_t(n * p * p * c));
            in.read(reinterpret_cast<char*>(set.values.data()), std::streamsize(set.values.size() * sizeof(float)));
            for (std::int64_t i = 0; i < n; ++i) {
                set.corner_y.push_back(int(read<std::int64_t>(in)));
                set.corner_x.push_back(int(read<std::int64_t>(in)));
            }
            if (cls >= 0) {
                learner.update_class_params(int(cls), loss, smoothness);
            } else {
                learner.update_global_params(loss, smoothness, n > 0 ? &set : nullptr);
            }
            const lidecm::GraphParams g = learner.get_parameters();
            const lidecm::AttentionWeights& w = learner.last_attention();
            const lidecm::LearnerStatus s = learner.get_status();
            nlohmann::json classes = nlohmann::json::array();
            for (int i = 0; i < learner.num_classes(); ++i) {
                const lidecm::GraphParams q = learner.get_parameters(i);
                classes.push_back({q.sigma, q.tau, q.smooth_steps});
            }
            std::cout << nlohmann::json{{"sigma", g.sigma}, {"tau", g.tau}, {"radius", g.radius},
                                        {"sigma_s", g.sigma_s}, {"sigma_f", g.sigma_f},
                                        {"attention", {w.texture, w.structure, w.color, w.spatial}},
                                        {"attention_records", learner.attention_history().size()},
                                        {"classes", classes},
                                        {"status", {s.sigma, s.tau, s.radius, s.recent_loss}}}
                             .dump()
                      << "\n";
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
