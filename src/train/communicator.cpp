#include "lidecm/train/communicator.hpp"

#include <unistd.h>

#include <cstdlib>

namespace lidecm {
namespace {

class SingleProcess final : public Communicator {
public:
    [[nodiscard]] int rank() const override { return 0; }
    [[nodiscard]] int size() const override { return 1; }
    void sum(std::span<double>) override {}
    [[nodiscard]] std::vector<std::byte> gather_all(std::span<const std::byte> mine) override {
        return {mine.begin(), mine.end()};
    }
    void broadcast(std::vector<std::byte>&, int) override {}
    [[noreturn]] void abort(int code) override { std::_Exit(code); }
    [[nodiscard]] std::string describe() const override { return "rank 0 of 1"; }
};

}  // namespace

std::shared_ptr<Communicator> single_process() { return std::make_shared<SingleProcess>(); }

int launched_processes() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
        if (const char* v = std::getenv(name); v != nullptr && *v != '\0') {
            const int n = std::atoi(v);
            if (n > 0) return n;
        }
    }
    return 1;
}

}  // namespace lidecm
