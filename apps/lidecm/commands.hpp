#pragma once
// Each command registers its subcommand, flags and help on the app; the
// subcommand's callback does the work and throws lidecm::Error on bad input.
#include <CLI/CLI.hpp>

namespace lidecm::cli {

void add_denoise_command(CLI::App& app);
void add_noise_command(CLI::App& app);

}  // namespace lidecm::cli
