#pragma once
// Each command registers its subcommand, flags and help on the app; the
// subcommand's callback does the work and throws lidecm::Error on bad input.
#include <CLI/CLI.hpp>

namespace lidecm::cli {

/// Thrown by a command that finished without an error but must exit with a
/// status other than 0 (an interrupted training run: 130).
struct ExitStatus {
    int code;
};

void add_denoise_command(CLI::App& app);
void add_noise_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_tokenize_commands(CLI::App& app);
void add_info_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_generate_command(CLI::App& app);

}  // namespace lidecm::cli
