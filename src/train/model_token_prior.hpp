#pragma once
// Internal: the token prior's tensors in a model file (issue #24): token_prior.settings
// (F64: K, classes, order, up_first, the 4 escape weights), token_prior.keys (U64),
// token_prior.offsets (U32), token_prior.tokens (U16) and token_prior.counts (U32).
// Files without them (older ones, --no-token-prior) have no token prior.
#include <optional>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/formats/tensor_file.hpp"

namespace lidecm {
struct Model;
}

namespace lidecm::detail {

void add_token_prior(TensorFileWriter& w, const TokenPrior& prior);

/// The file's token prior; IoError naming the file when its tensors are damaged or do not
/// fit the model (another K, another class count).
std::optional<TokenPrior> read_token_prior(const TensorFile& f, const Model& m);

}  // namespace lidecm::detail
