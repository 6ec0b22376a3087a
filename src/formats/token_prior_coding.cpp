#include "formats/token_prior_coding.hpp"

#include <algorithm>
#include <cmath>

#include "formats/range_coder.hpp"

namespace lidecm::detail {

void token_frequencies(const TokenPrior& prior, const TokenGrid& grid, int label, int y, int x, std::vector<double>& p,
                       std::vector<std::uint32_t>& cumulative) {
    prior.distribution(grid, label, y, x, p);
    // One count for every token, the rest shared by probability: the floors keep the sum
    // ≤ kMaxRangeTotal whatever rounding left in p's sum.
    const std::size_t k = p.size();
    const double spread = double(kMaxRangeTotal - std::uint32_t(k));
    cumulative.resize(k + 1);
    cumulative[0] = 0;
    for (std::size_t t = 0; t < k; ++t) {
        cumulative[t + 1] = cumulative[t] + 1 + std::uint32_t(std::floor(std::clamp(p[t], 0.0, 1.0) * spread));
    }
}

std::vector<unsigned char> prior_encode(const TokenGrid& grid, const TokenPrior& prior, int label) {
    RangeEncoder coder;
    std::vector<double> p;
    std::vector<std::uint32_t> cumulative;
    for (int y = 0; y < grid.rows(); ++y) {
        for (int x = 0; x < grid.cols(); ++x) {
            token_frequencies(prior, grid, label, y, x, p, cumulative);
            const std::size_t t = grid.indices[std::size_t(y) * std::size_t(grid.cols()) + std::size_t(x)];
            coder.encode(cumulative[t], cumulative[t + 1] - cumulative[t], cumulative.back());
        }
    }
    return coder.finish();
}

void prior_decode(const unsigned char* data, std::size_t size, const TokenPrior& prior, int label, TokenGrid& grid,
                  const std::string& name) {
    RangeDecoder coder(data, size, name);
    grid.indices.assign(std::size_t(grid.rows()) * std::size_t(grid.cols()), 0);
    std::vector<double> p;
    std::vector<std::uint32_t> cumulative;
    for (int y = 0; y < grid.rows(); ++y) {
        for (int x = 0; x < grid.cols(); ++x) {
            token_frequencies(prior, grid, label, y, x, p, cumulative);
            const std::uint32_t target = coder.target(cumulative.back());
            // The last t with cumulative[t] ≤ target; cumulative[0] = 0 ≤ target < cumulative[K].
            const auto t = std::size_t(std::upper_bound(cumulative.begin(), cumulative.end(), target) - cumulative.begin() - 1);
            coder.consume(cumulative[t], cumulative[t + 1] - cumulative[t]);
            grid.indices[std::size_t(y) * std::size_t(grid.cols()) + std::size_t(x)] = std::uint16_t(t);
        }
    }
    coder.expect_end();
}

}  // namespace lidecm::detail
