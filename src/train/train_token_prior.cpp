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
// Items decoded at once: memory stays that of a few dozen images whatever the split's size.
constexpr std::size_t kChunkItems = 64;

}  // namespace

std::optional<TokenPrior> training_token_prior(const Codebook& codebook, const TrainConfig& config,
                                               const Dataset& dataset,
                                               const std::function<void(const std::string&)>& log) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> order = dataset.uniform_order(0);
    order.resize(std::min(order.size(), kTokenPriorItems));
    // Each item's grid in its place of the order (none for an item that failed to decode).
    std::vector<TokenGrid> grids(order.size());
    std::vector<int> labels(order.size(), -1);
    for_each_item(dataset, order, kChunkItems, [&](const Item& item, std::size_t k) {
        grids[k] = encode(codebook, item.image, config.patch_size);
        labels[k] = item.label;
    });
    std::vector<LabelledGrid> labelled;
    for (std::size_t i = 0; i < grids.size(); ++i) {
        if (labels[i] >= 0) labelled.push_back({&grids[i], labels[i]});
    }
    if (labelled.empty()) {
        log("no token prior: no training item could be read");
        return std::nullopt;
    }
    const int classes = std::max<int>(1, int(dataset.class_names().size()));
    TokenPrior prior = TokenPrior::fit(labelled, codebook.size(), classes);
    double bits = 0, tokens = 0;
    for (const LabelledGrid& g : labelled) {
        bits += prior.bits(*g.grid, g.label);
        tokens += double(g.grid->indices.size());
    }
    char line[200];
    std::snprintf(line, sizeof line, "token prior: %zu contexts from %zu training items, %.2f bits per token on them (%.1f s)",
                  prior.contexts(), labelled.size(), bits / tokens,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log(line);
    return prior;
}

}  // namespace lidecm::detail
