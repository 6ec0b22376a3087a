#include "lidecm/train/metrics.hpp"

#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_checks.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/train/json.hpp"

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

void EpochSums::add(const BatchMetrics& m) {
    loss += m.loss;
    mse += m.mse;
    one_minus_ssim += m.one_minus_ssim;
    quant_mse += m.quant_mse;
    smoothness += m.smoothness;
    psnr_token += m.psnr_token;
    psnr_refined += m.psnr_refined;
    attention.texture += m.attention.texture;
    attention.structure += m.attention.structure;
    attention.color += m.attention.color;
    attention.spatial += m.attention.spatial;
}

void EpochSums::write_means(std::uint64_t batches, EpochMetrics& e) const {
    if (batches == 0) return;
    const double inv = 1.0 / double(batches);
    e.loss = loss * inv;
    e.mse = mse * inv;
    e.one_minus_ssim = one_minus_ssim * inv;
    e.quant_mse = quant_mse * inv;
    e.smoothness = smoothness * inv;
    e.psnr_token = psnr_token * inv;
    e.psnr_refined = psnr_refined * inv;
    e.attention = {attention.texture * inv, attention.structure * inv, attention.color * inv, attention.spatial * inv};
}

MetricsLog read_metrics(const std::filesystem::path& path) {
    std::istringstream in(read_file_text(path, kMaxMetricsFileBytes));
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
