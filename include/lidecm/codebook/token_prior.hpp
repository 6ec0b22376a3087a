#pragma once
// A class-conditioned model of token grids in raster order (issue #24): the probability of
// each token given the class and its already-placed left and upper neighbours, learned by
// counting, with back-off to shorter contexts as in PPM coders. It scores grids (bits per
// token: the honest measure of a prior, and what an entropy coder would spend) and samples
// new ones per class.
//
// Contexts from the most specific to the least: (class, left, up), (class, left), (class),
// (), then uniform over the K tokens. Each level mixes its own counts with the level below
// by Witten–Bell interpolation,
//     P(t | c) = (n(c, t) + β·u(c) · P(t | c′)) / (n(c) + β·u(c)),
// n(c) the tokens seen in context c, u(c) how many distinct ones, β the level's escape
// weight; an unseen context is its shorter one. Every level sums to 1 over the K tokens, so
// the whole does. With one class the class level is the overall one and is skipped.
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "lidecm/codebook/tokens.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm {

/// Options of TokenPrior::fit.
struct TokenPriorOptions {
    /// Context levels used: 0 = the tokens' overall frequencies only (the unigram),
    /// 1 = also the class's, 2 = also the left neighbour, 3 = also the upper one (the default).
    int order = 3;
    /// Level 2 conditions on the upper neighbour instead of the left one (level 3 on both
    /// either way): the other order-1 model, a baseline.
    bool up_first = false;
    /// β of each level (overall, class, first neighbour, both): larger trusts the shorter
    /// context more. 1 is Witten–Bell's.
    std::array<double, 4> escape = {1.0, 1.0, 1.0, 1.0};

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
};

/// One training grid and its class (0 … classes − 1).
struct LabelledGrid {
    const TokenGrid* grid = nullptr;
    int label = 0;
};

/// A TokenPrior as flat arrays (what a model file stores): its settings and, per context
/// (sorted by key), the tokens seen there with their counts.
struct TokenPriorTables {
    int codes = 0, classes = 0, order = 0;
    bool up_first = false;
    std::array<double, 4> escape{};
    std::vector<std::uint64_t> keys;      ///< contexts, increasing
    std::vector<std::uint32_t> offsets;   ///< keys.size() + 1: context i's entries are [offsets[i], offsets[i+1])
    std::vector<std::uint16_t> tokens;    ///< increasing within a context
    std::vector<std::uint32_t> counts;    ///< > 0
};

class TokenPrior {
public:
    /// Counts every grid's tokens in its class's contexts. All grids must have K = `codes`
    /// tokens; labels must lie in [0, classes). Throws InvalidArgument otherwise.
    static TokenPrior fit(const std::vector<LabelledGrid>& grids, int codes, int classes,
                          const TokenPriorOptions& options = {});

    /// The prior of stored tables; throws InvalidArgument naming `name` and what is wrong
    /// (settings out of range, keys unsorted or of another level, offsets, tokens ≥ K, zero
    /// counts, an entry whose shorter context is missing).
    static TokenPrior from_tables(const TokenPriorTables& tables, const std::string& name);
    [[nodiscard]] TokenPriorTables tables() const;
    /// CRC-32 of tables()' settings and arrays: what a coded token file records, so that it
    /// is never decoded with another prior.
    [[nodiscard]] std::uint32_t checksum() const;
    /// Contexts seen in training (all levels).
    [[nodiscard]] std::size_t contexts() const { return contexts_.size(); }

    [[nodiscard]] int codes() const { return codes_; }
    [[nodiscard]] int classes() const { return classes_; }
    [[nodiscard]] int order() const { return order_; }
    [[nodiscard]] bool up_first() const { return up_first_; }

    /// P(token | class, the tokens left of and above (y, x) in `grid`) for every token:
    /// `out` gets codes() values summing to 1. Positions outside the grid count as a border
    /// token of their own.
    void distribution(const TokenGrid& grid, int label, int y, int x, std::vector<double>& out) const;

    /// −log2 P(grid | class): the bits an ideal coder spends on the grid's tokens.
    [[nodiscard]] double bits(const TokenGrid& grid, int label) const;

    /// A new rows × cols grid of class `label`, token by token in raster order, each drawn
    /// from the distribution raised to 1/temperature among its `top_k` most probable tokens
    /// (top_k = codes(): all). As the temperature goes to 0 the draw is the most probable
    /// token (any of them when several tie exactly). The grid's shape fields come from `shape`.
    [[nodiscard]] TokenGrid sample(const TokenGrid& shape, int label, double temperature, int top_k,
                                   RandomStream& rng) const;

private:
    struct Counts {
        std::uint32_t total = 0;
        std::unordered_map<std::uint16_t, std::uint32_t> of;  ///< count per token seen
    };
    [[nodiscard]] std::uint64_t key(int level, int label, int left, int up) const;
    [[nodiscard]] int neighbour(const TokenGrid& grid, int y, int x) const;

    int codes_ = 0, classes_ = 0, order_ = 0;
    bool up_first_ = false;
    std::array<double, 4> escape_{};
    std::vector<int> levels_;  ///< the levels walked, overall first (no class level with one class)
    std::unordered_map<std::uint64_t, Counts> contexts_;
};

}  // namespace lidecm
