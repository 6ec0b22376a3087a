#pragma once
// The HTML report of one `lidecm denoise --adapt`, in the style of the run
// report (report.hpp), which does not need the denoiser's types.
#include <string>

#include "lidecm/learner/adaptive_denoise.hpp"

namespace lidecm {

/// Per-round parameters, attention and loss of `lidecm denoise --adapt`.
std::string adapt_report_html(const AdaptResult& result, const std::string& title);

}  // namespace lidecm
