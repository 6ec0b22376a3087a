#pragma once
// The MPI implementation of Communicator (library lidecm_mpi, built with
// LIDECM_WITH_MPI): MPI_COMM_WORLD of the processes mpirun started.
#include <memory>

#include "lidecm/train/communicator.hpp"

namespace lidecm {

/// Initialises MPI (only the calling thread makes MPI calls) and returns MPI_COMM_WORLD;
/// MPI is finalised when the last reference goes. Communication errors end the job
/// (MPI's default), so a rank that dies stops the others instead of hanging them.
std::shared_ptr<Communicator> mpi_world();

}  // namespace lidecm
