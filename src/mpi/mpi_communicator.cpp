#include "lidecm/mpi/mpi_communicator.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>

#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

class MpiWorld final : public Communicator {
public:
    MpiWorld() {
        int provided = 0;
        if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            throw Error("MPI: MPI_Init_thread failed");
        }
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        host_ = host;
    }
    ~MpiWorld() override { MPI_Finalize(); }
    MpiWorld(const MpiWorld&) = delete;
    MpiWorld& operator=(const MpiWorld&) = delete;

    [[nodiscard]] int rank() const override { return rank_; }
    [[nodiscard]] int size() const override { return size_; }

    void sum(std::span<double> values) override {
        const Timed timed(traffic_, values.size_bytes());
        // MPI counts are int: long vectors go in pieces.
        constexpr std::size_t kPiece = std::size_t(1) << 28;
        for (std::size_t at = 0; at < values.size(); at += kPiece) {
            const int n = int(std::min(kPiece, values.size() - at));
            MPI_Allreduce(MPI_IN_PLACE, values.data() + at, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        }
    }

    [[nodiscard]] std::vector<std::byte> gather_all(std::span<const std::byte> mine) override {
        const Timed timed(traffic_, mine.size());
        require(mine.size() < (std::size_t(1) << 31), "MPI gather", "over 2 GiB from one rank");
        const int count = int(mine.size());
        std::vector<int> counts(std::size_t(size_), 0), offsets(std::size_t(size_), 0);
        MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
        std::int64_t total = 0;
        for (int r = 0; r < size_; ++r) {
            require(total < (std::int64_t(1) << 31), "MPI gather", "over 2 GiB in all");
            offsets[std::size_t(r)] = int(total);
            total += counts[std::size_t(r)];
        }
        std::vector<std::byte> all(static_cast<std::size_t>(total));
        MPI_Allgatherv(mine.data(), count, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE,
                       MPI_COMM_WORLD);
        return all;
    }

    void broadcast(std::vector<std::byte>& bytes, int root) override {
        const Timed timed(traffic_, rank_ == root ? bytes.size() : 0);
        std::uint64_t n = bytes.size();
        MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
        require(n < (std::uint64_t(1) << 31), "MPI broadcast", "over 2 GiB");
        bytes.resize(std::size_t(n));
        MPI_Bcast(bytes.data(), int(n), MPI_BYTE, root, MPI_COMM_WORLD);
    }

    [[noreturn]] void abort(int code) override {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);
    }

    [[nodiscard]] std::string describe() const override {
        return "rank " + std::to_string(rank_) + " of " + std::to_string(size_) + " on " + host_;
    }

    [[nodiscard]] Traffic traffic() const override { return traffic_; }

private:
    // Adds a collective's wall time and payload to the totals.
    class Timed {
    public:
        Timed(Traffic& totals, std::size_t bytes) : totals_(totals), start_(std::chrono::steady_clock::now()) {
            totals_.bytes += bytes;
        }
        ~Timed() {
            totals_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        }
        Timed(const Timed&) = delete;
        Timed& operator=(const Timed&) = delete;

    private:
        Traffic& totals_;
        std::chrono::steady_clock::time_point start_;
    };

    Traffic traffic_;
    int rank_ = 0, size_ = 1;
    std::string host_;
};

}  // namespace

std::shared_ptr<Communicator> mpi_world() { return std::make_shared<MpiWorld>(); }

}  // namespace lidecm
