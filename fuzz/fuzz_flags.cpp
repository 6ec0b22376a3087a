// The CLI's numeric flags: the same option types and validators as the commands
// (integers with ranges, sizes, seeds, finite_range doubles), given fuzzed text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    CLI::App app{"fuzz"};
    int epochs = 0;
    std::size_t batch = 0;
    std::uint64_t seed = 0;
    double sigma = 0, fraction = 0;
    app.add_option("--epochs", epochs)->check(CLI::Range(1, 1000000));
    app.add_option("--batch-size", batch)->check(CLI::Range(1, 1 << 20));
    app.add_option("--seed", seed);
    app.add_option("--sigma", sigma)->check(lidecm::cli::finite_range(0.0, 255.0));
    app.add_option("--val-fraction", fraction)->check(lidecm::cli::finite_range(0.0, 0.9));
    for (const char* flag : {"--epochs", "--batch-size", "--seed", "--sigma", "--val-fraction"}) {
        std::vector<std::string> args = {text, flag};  // CLI11 parses a reversed argument vector
        try {
            app.parse(args);
            if (sigma < 0 || sigma > 255 || sigma != sigma) __builtin_trap();  // a validator let a bad value through
        } catch (const CLI::ParseError&) {
        }
        app.clear();
    }
    return 0;
}
