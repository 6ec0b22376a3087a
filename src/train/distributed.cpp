#include "train/distributed.hpp"

namespace lidecm::detail {

BatchShare share_of(Communicator& comm, const Batch& batch) {
    std::vector<std::uint64_t> mine(batch.places.begin(), batch.places.end());
    std::vector<std::uint64_t> all = gather_records(comm, mine);
    std::sort(all.begin(), all.end());
    BatchShare share;
    share.total = all.size();
    for (const std::size_t p : batch.places) {
        share.index.push_back(std::size_t(std::lower_bound(all.begin(), all.end(), std::uint64_t(p)) - all.begin()));
    }
    return share;
}

void sum_stats(Communicator& comm, CodebookStats& stats) {
    if (comm.size() == 1) return;
    std::vector<double> packed(stats.sums);
    for (const std::uint64_t c : stats.counts) packed.push_back(double(c));  // exact below 2^53
    packed.push_back(stats.sq_error);
    packed.push_back(double(stats.n));
    comm.sum(packed);
    const std::size_t s = stats.sums.size(), k = stats.counts.size();
    std::copy_n(packed.begin(), s, stats.sums.begin());
    for (std::size_t i = 0; i < k; ++i) stats.counts[i] = std::uint64_t(packed[s + i]);
    stats.sq_error = packed[s + k];
    stats.n = std::uint64_t(packed[s + k + 1]);
}

std::vector<std::string> gather_lines(Communicator& comm, const std::vector<std::string>& mine) {
    std::string joined;
    for (const std::string& line : mine) joined += line + '\n';
    const auto bytes = comm.gather_all(std::as_bytes(std::span<const char>(joined.data(), joined.size())));
    std::vector<std::string> lines;
    std::string line;
    for (const std::byte b : bytes) {
        if (char(b) == '\n') {
            lines.push_back(std::move(line));
            line.clear();
        } else {
            line += char(b);
        }
    }
    return lines;
}

bool any_rank(Communicator& comm, bool mine) {
    double flag = mine ? 1.0 : 0.0;
    comm.sum(std::span<double>(&flag, 1));
    return flag > 0;
}

}  // namespace lidecm::detail
