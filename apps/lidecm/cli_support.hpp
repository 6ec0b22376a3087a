#pragma once
// Small pieces shared by the CLI's commands: progress display, argument checks
// that name the flag.
#include <chrono>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "lidecm/denoise/graph.hpp"

namespace lidecm::cli {

/// A one-line progress bar on stderr when it is a terminal; silent otherwise.
class ProgressBar {
public:
    explicit ProgressBar(std::string label);
    void update(int done, int total);
    /// Erases the bar's line, so that a message can be printed; the next update draws it again.
    void clear();
    void finish();

private:
    std::string label_;
    bool active_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// Runs params.validate() and rewrites a failing field name into its flag
/// ("sigma_s: ..." → "--sigma-s: ...") so the message points at what the user typed.
void validate_as_flags(const GraphParams& params);

}  // namespace lidecm::cli

namespace lidecm::cli {
/// CLI11 check that a number parses, is finite (CLI::Range lets NaN through) and lies in
/// [lo, hi], or in (lo, hi] when `open_low`.
CLI::Validator finite_range(double lo, double hi, bool open_low = false);
/// The same for a range the library checks: the number must parse, be finite and pass
/// `check` (which throws InvalidArgument("<field>: <what>")); refused as "<what>, got <text>".
/// `range` is what --help shows ("(0, 10]").
CLI::Validator library_range(const std::string& range, std::function<void(double)> check);
}  // namespace lidecm::cli
