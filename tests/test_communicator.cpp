// The single-process Communicator every non-MPI caller uses, and the launcher check.
#include <cstdlib>

#include <gtest/gtest.h>

#include "lidecm/train/communicator.hpp"

namespace lidecm {
namespace {

TEST(Communicator, OneProcessIsItsOwnGroup) {
    const auto comm = single_process();
    EXPECT_EQ(comm->rank(), 0);
    EXPECT_EQ(comm->size(), 1);
    std::vector<double> v = {1.5, -2.0};
    comm->sum(v);
    EXPECT_EQ(v, (std::vector<double>{1.5, -2.0}));
    struct Record {
        std::uint64_t at;
        double value;
    };
    const std::vector<Record> mine = {{3, 0.25}, {1, 4.0}};
    const std::vector<Record> all = gather_records(*comm, mine);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].at, 3u);
    EXPECT_EQ(all[1].value, 4.0);
    std::vector<std::byte> bytes = {std::byte{7}};
    comm->broadcast(bytes, 0);
    EXPECT_EQ(bytes.size(), 1u);
}

TEST(Communicator, LauncherSizeComesFromMpirunsVariables) {
    ::unsetenv("OMPI_COMM_WORLD_SIZE");
    ::unsetenv("PMI_SIZE");
    ::unsetenv("PMIX_SIZE");
    EXPECT_EQ(launched_processes(), 1);
    ::setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
    EXPECT_EQ(launched_processes(), 4);
    ::setenv("OMPI_COMM_WORLD_SIZE", "junk", 1);
    EXPECT_EQ(launched_processes(), 1);
    ::unsetenv("OMPI_COMM_WORLD_SIZE");
    ::setenv("PMI_SIZE", "2", 1);
    EXPECT_EQ(launched_processes(), 2);
    ::unsetenv("PMI_SIZE");
}

}  // namespace
}  // namespace lidecm
