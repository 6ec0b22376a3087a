#pragma once
// The token prior fuzz_token decodes with, fitted here on fixed grids so that every fuzz run
// has the same one, and a file coded with it (fuzz/corpus/fuzz_token/coded.tok holds its
// bytes: `make fuzz` rebuilds the target, and a changed prior only makes that seed stop at
// the prior check while the payload half of the target keeps reaching the decoder).
#include <cstdint>
#include <vector>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/formats/token_file.hpp"

namespace lidecm::fuzz {

// A 6×6 grid of K = 16 tokens on a 24×24 image in patches of 4, its tokens a function of
// the position and the class.
inline TokenGrid fuzz_grid(int label) {
    TokenGrid g;
    g.image_height = g.image_width = 24;
    g.channels = 1;
    g.patch_size = 4;
    g.num_codes = 16;
    for (int y = 0; y < 6; ++y) {
        for (int x = 0; x < 6; ++x) g.indices.push_back(std::uint16_t((x * (label + 1) + y * y) % 16));
    }
    return g;
}

inline TokenPrior fuzz_prior() {
    static const TokenGrid a = fuzz_grid(0), b = fuzz_grid(1);
    return TokenPrior::fit({{&a, 0}, {&b, 1}}, 16, 2);
}

inline std::vector<unsigned char> coded_file(const TokenPrior& prior) {
    return encode_token_file(fuzz_grid(1), prior, 1, "fuzz");
}

}  // namespace lidecm::fuzz
