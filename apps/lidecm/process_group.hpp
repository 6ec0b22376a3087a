#pragma once
// `mpirun -np N lidecm train ...`: the processes that train one model together.
#include <exception>
#include <memory>

#include "lidecm/train/communicator.hpp"

namespace lidecm::cli {

/// nullptr when this process trains alone (no launcher, or mpirun -np 1); the MPI
/// world when mpirun started several. A build without MPI refuses several.
std::shared_ptr<Communicator> join_process_group();

/// In a group of several, an error on one rank must end all of them (the others wait
/// in a collective, and finalising MPI would wait for them): prints it, naming the
/// rank, and aborts the group with the exit status main() would give.
[[noreturn]] void abort_group(Communicator& group, const std::exception& error);

}  // namespace lidecm::cli
