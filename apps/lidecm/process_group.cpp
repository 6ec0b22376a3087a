#include "process_group.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "lidecm/core/error.hpp"
#ifdef LIDECM_WITH_MPI
#include "lidecm/mpi/mpi_communicator.hpp"
#endif

namespace lidecm::cli {

std::shared_ptr<Communicator> join_process_group() {
    const int n = launched_processes();
    if (n <= 1) return nullptr;
#ifdef LIDECM_WITH_MPI
    return mpi_world();
#else
    throw InvalidArgument("mpirun started " + std::to_string(n) +
                          " processes, but this lidecm was built without MPI (LIDECM_WITH_MPI=OFF): each would "
                          "train alone into the same folder");
#endif
}

void abort_group(Communicator& group, const std::exception& error) {
    // The exit statuses of main(): 2 bad value, 1 file, 70 internal.
    const bool bad_value = dynamic_cast<const InvalidArgument*>(&error) != nullptr;
    const bool file = !bad_value && dynamic_cast<const Error*>(&error) != nullptr;
    std::fprintf(stderr, "lidecm (%s): %s%s\n", group.describe().c_str(), bad_value || file ? "error: " : "internal error: ",
                 error.what());
    std::fflush(stderr);
    const int status = bad_value ? 2 : file ? 1 : 70;
    group.abort(status);
    std::_Exit(status);  // abort() does not return; the compiler cannot see it through the virtual call
}

}  // namespace lidecm::cli
