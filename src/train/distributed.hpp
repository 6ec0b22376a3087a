#pragma once
// Data-parallel pieces of a training step (issue #16). Every rank holds the same model
// and a share of each batch; what a step reduces is either exact in any order (codebook
// statistics on their grid, counts) or gathered per image and combined in the batch's
// order, so N ranks compute what one process computes, bit for bit.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/train/communicator.hpp"
#include "lidecm/data/dataset.hpp"

namespace lidecm::detail {

/// Where this rank's items stand in the whole batch, once items of failed files are
/// left out on every rank: index[i] is local item i's index among all delivered items.
struct BatchShare {
    std::size_t total = 0;            ///< items of the batch delivered on all ranks
    std::vector<std::size_t> index;   ///< per local item
};
BatchShare share_of(Communicator& comm, const Batch& batch);

/// Every rank's records (each with a member `at`, its index in the batch), in batch order.
template <class Record>
std::vector<Record> gather_in_order(Communicator& comm, const std::vector<Record>& mine) {
    std::vector<Record> all = gather_records(comm, mine);
    std::stable_sort(all.begin(), all.end(), [](const Record& a, const Record& b) { return a.at < b.at; });
    return all;
}

/// The statistics of all ranks' shares (exact: the sums lie on their grid).
void sum_stats(Communicator& comm, CodebookStats& stats);

/// Lines of every rank, in rank order (on every rank).
std::vector<std::string> gather_lines(Communicator& comm, const std::vector<std::string>& mine);

/// True on every rank when `mine` is true on any.
bool any_rank(Communicator& comm, bool mine);

}  // namespace lidecm::detail
