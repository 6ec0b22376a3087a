#pragma once
// Reports people look at rather than read: one self-contained HTML file per
// training run (inline SVG charts, images as base64 PNG, no network, no external
// scripts or fonts). The per-image adaptive denoise has its own, in adapt_report.hpp.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace lidecm {

struct ReportOptions {
    std::size_t max_points = 1200;  ///< points drawn per series; longer series are reduced (ends kept)
};

/// What a run report was made from.
struct RunReportSummary {
    std::size_t batches = 0;        ///< batch lines read
    std::size_t epochs = 0;         ///< epoch lines read
    std::size_t skipped_lines = 0;  ///< malformed or truncated lines of metrics.jsonl
    std::size_t charts = 0;         ///< charts drawn
};

/// The report of the run in `run_dir` (metrics.jsonl, model.lidecm, samples.png if
/// present). IoError when the folder holds no model or no metrics file.
std::string run_report_html(const std::filesystem::path& run_dir, const ReportOptions& options = {},
                            RunReportSummary* summary = nullptr);

/// run_report_html written atomically to `out`.
RunReportSummary write_run_report(const std::filesystem::path& run_dir, const std::filesystem::path& out,
                                  const ReportOptions& options = {});

/// Standard base64 (RFC 4648, with padding) of bytes: what data: URLs hold.
std::string base64(const std::vector<unsigned char>& bytes);

}  // namespace lidecm
