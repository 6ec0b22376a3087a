#include "lidecm/metrics.hpp"

#include <sstream>

#include <nlohmann/json.hpp>

#include "core/json_checks.hpp"
#include "lidecm/error.hpp"
#include "lidecm/file_io.hpp"

namespace lidecm {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AttentionWeights, texture, structure, color, spatial)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StepTimings, data_wait, e_step, m_step, decode, refine, losses,
                                                learner, total)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BatchMetrics, epoch, batch, step, images, loss, mse, one_minus_ssim,
                                                quant_mse, smoothness, psnr_token, psnr_refined, usage, perplexity,
                                                sigma, tau, attention, images_per_second, timings)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EpochMetrics, epoch, step, batches, loss, mse, one_minus_ssim,
                                                quant_mse, smoothness, psnr_token, psnr_refined, usage, perplexity,
                                                reseeded, validation_images, val_psnr_token, val_psnr_refined,
                                                val_ssim_token, val_ssim_refined, sigma, tau, attention, seconds,
                                                images_per_second, learner_share)

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
