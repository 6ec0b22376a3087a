#pragma once
// Runs the lidecm binary as a user would (a separate process) for the CLI tests.
#include <string>

namespace lidecm::test {

struct CliRun {
    int status = -1;  ///< exit status, -1 if killed by a signal
    std::string out, err;
};

/// Runs `lidecm <args>` with its output captured through files in `scratch_dir`.
CliRun run_cli(const std::string& args, const std::string& scratch_dir);

/// Runs a shell command line (e.g. mpirun … lidecm …) the same way.
CliRun run_command(const std::string& command, const std::string& scratch_dir);

/// `train` flags for a small patch prior and no class priors: training tests that are not
/// about the priors still fit and measure one (the whole path runs) but in a fraction of
/// the default's time, which matters most under the sanitizers.
inline constexpr const char* kSmallPriorFlags = " --prior-components 2 --prior-iterations 3 --class-priors 0";

/// The whole text of a file ("" if missing).
std::string slurp(const std::string& path);

}  // namespace lidecm::test
