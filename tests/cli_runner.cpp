#include "cli_runner.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lidecm::test {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

CliRun run_cli(const std::string& args, const std::string& scratch_dir) {
    return run_command(std::string(LIDECM_CLI_PATH) + " " + args, scratch_dir);
}

CliRun run_command(const std::string& command, const std::string& scratch_dir) {
    const std::string out = scratch_dir + "/stdout", err = scratch_dir + "/stderr";
    const std::string cmd = command + " >" + out + " 2>" + err;
    const int raw = std::system(cmd.c_str());
    CliRun r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return r;
}

}  // namespace lidecm::test
