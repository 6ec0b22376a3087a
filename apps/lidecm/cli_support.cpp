#include "cli_support.hpp"

#include <cmath>
#include <cstdio>
#include <optional>
#include <utility>
#include <unistd.h>

#include "lidecm/core/error.hpp"

namespace lidecm::cli {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), active_(::isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(int done, int total) {
    if (!active_ || total <= 0) return;
    constexpr int kWidth = 30;
    const int filled = kWidth * done / total;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double eta = done > 0 ? elapsed / done * (total - done) : 0.0;
    std::fprintf(stderr, "\r%s [%s%s] %d/%d  %.1fs  eta %.1fs ", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total, elapsed, eta);
    std::fflush(stderr);
}

void ProgressBar::clear() {
    if (!active_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (!active_) return;
    std::fprintf(stderr, "\n");
    active_ = false;
}

void validate_as_flags(const GraphParams& params) {
    try {
        params.validate();
    } catch (const InvalidArgument& e) {
        std::string msg = e.what();
        const auto colon = msg.find(':');
        std::string field = msg.substr(0, colon);
        for (char& ch : field) if (ch == '_') ch = '-';
        throw InvalidArgument("--" + field + msg.substr(colon));
    }
}

}  // namespace lidecm::cli

namespace lidecm::cli {

namespace {

// The number `text` holds; none when it holds no finite number, and `why` says so as finite_range does.
std::optional<double> finite_number(const std::string& text, std::string& why) {
    double v = 0;
    try {
        std::size_t used = 0;
        v = std::stod(text, &used);
        if (used != text.size()) why = "'" + text + "' is not a number";
    } catch (const std::exception&) {
        why = "'" + text + "' is not a number";
    }
    if (why.empty() && !std::isfinite(v)) why = "must be a finite number, got '" + text + "'";
    if (!why.empty()) return std::nullopt;
    return v;
}

}  // namespace

CLI::Validator finite_range(double lo, double hi, bool open_low) {
    const std::string range = (open_low ? "(" : "[") + CLI::detail::to_string(lo) + ", " + CLI::detail::to_string(hi) + "]";
    return CLI::Validator(
        [lo, hi, open_low, range](std::string& text) -> std::string {
            std::string why;
            const std::optional<double> v = finite_number(text, why);
            if (!v) return why;
            if (*v < lo || *v > hi || (open_low && *v == lo)) return "must be in " + range + ", got " + text;
            return {};
        },
        "NUMBER in " + range);
}

CLI::Validator library_range(const std::string& range, std::function<void(double)> check) {
    return CLI::Validator(
        [check = std::move(check)](std::string& text) -> std::string {
            std::string why;
            const std::optional<double> v = finite_number(text, why);
            if (!v) return why;
            try {
                check(*v);
            } catch (const InvalidArgument& e) {
                const std::string message = e.what();  // "<field>: <what>"
                const std::size_t colon = message.find(": ");
                return (colon == std::string::npos ? message : message.substr(colon + 2)) + ", got " + text;
            }
            return {};
        },
        "NUMBER in " + range);
}

}  // namespace lidecm::cli
