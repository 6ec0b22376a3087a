// The token prior of a finished run (issue #24): the training items' token grids under
// the run's codebook, counted per class. Items are taken as they are stored (no
// augmentation, no --input-noise), like the patch prior's sample.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "lidecm/codebook/tokenizer.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// Encoding is the cost (each tile's nearest of K codewords): 4,000 items of 64² at K 512
// take a few seconds, and the counts of more items than that add contexts that a sample
// of this many already mostly has.
constexpr std::size_t kTokenPriorItems = 4'000;
constexpr std::size_t kChunkItems = 64;

}  // namespace

std::optional<TokenPrior> training_token_prior(const Codebook& codebook, const TrainConfig& config,
                                               const Dataset& dataset,
                                               const std::function<void(const std::string&)>& log) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> order = dataset.uniform_order(0);
    order.resize(std::min(order.size(), kTokenPriorItems));
    std::vector<TokenGrid> grids;
    std::vector<int> labels;
    grids.reserve(order.size());
    for (std::size_t first = 0; first < order.size(); first += kChunkItems) {
        const std::vector<std::size_t> chunk(order.begin() + std::ptrdiff_t(first),
                                             order.begin() + std::ptrdiff_t(std::min(order.size(), first + kChunkItems)));
        for (const Item& item : dataset.items(chunk)) {  // files that fail to decode are left out
            grids.push_back(encode(codebook, item.image, config.patch_size));
            labels.push_back(item.label);
        }
    }
    if (grids.empty()) {
        log("no token prior: no training item could be read");
        return std::nullopt;
    }
    std::vector<LabelledGrid> labelled;
    for (std::size_t i = 0; i < grids.size(); ++i) labelled.push_back({&grids[i], labels[i]});
    const int classes = std::max<int>(1, int(dataset.class_names().size()));
    TokenPrior prior = TokenPrior::fit(labelled, codebook.size(), classes);
    double bits = 0, tokens = 0;
    for (const LabelledGrid& g : labelled) {
        bits += prior.bits(*g.grid, g.label);
        tokens += double(g.grid->indices.size());
    }
    char line[200];
    std::snprintf(line, sizeof line, "token prior: %zu contexts from %zu training items, %.2f bits per token on them (%.1f s)",
                  prior.contexts(), grids.size(), bits / tokens,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log(line);
    return prior;
}

}  // namespace lidecm::detail
