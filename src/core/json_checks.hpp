#pragma once
// Internal: JSON read from files (metrics lines, a model's run description) goes
// through nlohmann's get<>, whose float→integer conversion is a plain
// static_cast: a float outside the integer's range is undefined behaviour
// (found by fuzz_metrics with {"batch": 9.97e23}). Our integer fields are all
// at least 32 bits wide and our float fields small, so a document holding a
// float of magnitude ≥ 2^31 (or a non-finite one) is refused before get<>.
#include <cmath>

#include <nlohmann/json.hpp>

namespace lidecm::detail {

inline bool floats_fit_integers(const nlohmann::json& j) {
    if (j.is_number_float()) {
        const double v = j.get<double>();
        return std::isfinite(v) && std::fabs(v) < 2147483648.0;
    }
    if (j.is_structured()) {
        for (const auto& item : j) {
            if (!floats_fit_integers(item)) return false;
        }
    }
    return true;
}

}  // namespace lidecm::detail
