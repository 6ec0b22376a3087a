#include "lidecm/metrics.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/json_checks.hpp"
#include "lidecm/error.hpp"
#include "lidecm/json.hpp"

namespace lidecm {

namespace {

template <class T>
std::string line_of(const T& m, const char* type) {
    nlohmann::json j = m;
    j["type"] = type;
    return j.dump();
}

}  // namespace

std::string to_json_line(const BatchMetrics& m) { return line_of(m, "batch"); }
std::string to_json_line(const EpochMetrics& m) { return line_of(m, "epoch"); }

std::optional<MetricsLine> parse_metrics_line(const std::string& line) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
    if (!detail::floats_fit_integers(j)) return std::nullopt;
    try {
        MetricsLine out;
        const std::string type = j["type"].get<std::string>();
        if (type == "batch") {
            out.batch = j.get<BatchMetrics>();
        } else if (type == "epoch") {
            out.epoch = j.get<EpochMetrics>();
        } else {
            return std::nullopt;
        }
        return out;
    } catch (const nlohmann::json::exception&) {  // a field of the wrong type: the line is unusable
        return std::nullopt;
    }
}

MetricsLog read_metrics(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw IoError(path.string() + ": cannot open the metrics file");
    MetricsLog log;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const auto parsed = parse_metrics_line(line);
        if (!parsed) {
            ++log.skipped_lines;
        } else if (parsed->batch) {
            log.batches.push_back(*parsed->batch);
        } else {
            log.epochs.push_back(*parsed->epoch);
        }
    }
    return log;
}

}  // namespace lidecm
