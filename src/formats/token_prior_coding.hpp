#pragma once
// Internal: a token grid range-coded with a TokenPrior's probabilities (version-2 token
// files, issue #24). Encoder and decoder must compute bit-identical frequencies, also in
// different builds: they come from TokenPrior::distribution, which uses only correctly
// rounded + − × ÷ (this file and token_prior.cpp are compiled with -ffp-contract=off, so no
// build fuses them into FMAs), turned into integers by one floor each.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/codebook/tokens.hpp"

namespace lidecm::detail {

/// The coder's integer frequencies at (y, x) of `grid`: cumulative[t] … cumulative[t + 1]
/// is token t's share of cumulative[K] (≤ kMaxRangeTotal), every share ≥ 1 so that any
/// token can be coded. `p` is scratch.
void token_frequencies(const TokenPrior& prior, const TokenGrid& grid, int label, int y, int x, std::vector<double>& p,
                       std::vector<std::uint32_t>& cumulative);

/// The grid's indices range-coded in raster order.
std::vector<unsigned char> prior_encode(const TokenGrid& grid, const TokenPrior& prior, int label);

/// Fills grid.indices (grid holds the shape) from `size` coded bytes; IoError naming `name`
/// when they are corrupt, end early or run on.
void prior_decode(const unsigned char* data, std::size_t size, const TokenPrior& prior, int label, TokenGrid& grid,
                  const std::string& name);

}  // namespace lidecm::detail
