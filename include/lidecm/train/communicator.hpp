#pragma once
// The few collective operations data-parallel training needs (issue #16), behind an
// interface so the library never depends on MPI: training takes a Communicator, the
// CLI passes an MPI one when started by mpirun (lidecm_mpi, LIDECM_WITH_MPI), and
// everything else uses single_process(), where every collective is the identity.
// Every rank must call the collectives in the same order; they are called from the
// thread that runs training.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace lidecm {

class Communicator {
public:
    virtual ~Communicator() = default;
    /// This process's number, 0 … size() − 1; rank 0 writes the run's files.
    [[nodiscard]] virtual int rank() const = 0;
    [[nodiscard]] virtual int size() const = 0;
    /// Element-wise sum over the ranks, in place. The order of the additions is not
    /// fixed, so callers pass values whose sums are exact (counts, values on a grid).
    virtual void sum(std::span<double> values) = 0;
    /// Every rank's bytes, concatenated in rank order, on every rank.
    [[nodiscard]] virtual std::vector<std::byte> gather_all(std::span<const std::byte> mine) = 0;
    /// `bytes` of rank `root` on every rank (resized on the others).
    virtual void broadcast(std::vector<std::byte>& bytes, int root) = 0;
    /// Ends the whole group with `code` after an error on this rank (the others may be
    /// waiting in a collective). A single process simply exits.
    [[noreturn]] virtual void abort(int code) = 0;
    /// "rank R of N on HOST" (for logs and errors).
    [[nodiscard]] virtual std::string describe() const = 0;

    /// What this rank's collectives cost so far: wall time inside them (transfer and
    /// waiting for the slowest rank) and the payload bytes it contributed.
    struct Traffic {
        double seconds = 0;
        std::uint64_t bytes = 0;
    };
    [[nodiscard]] virtual Traffic traffic() const { return {}; }
};

/// The group of this process alone.
std::shared_ptr<Communicator> single_process();

/// The number of processes the launcher (mpirun: OMPI_COMM_WORLD_SIZE, PMI_SIZE)
/// started this one among; 1 without a launcher.
int launched_processes();

/// gather_all of trivially copyable records: every rank's records, in rank order.
template <class T>
std::vector<T> gather_records(Communicator& comm, const std::vector<T>& mine) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto bytes = comm.gather_all(std::as_bytes(std::span<const T>(mine)));
    std::vector<T> all(bytes.size() / sizeof(T));
    if (!all.empty()) std::memcpy(all.data(), bytes.data(), all.size() * sizeof(T));
    return all;
}

}  // namespace lidecm
