#pragma once
// What a training run records per batch and per epoch, and its JSON-lines form
// (one object per line in metrics.jsonl; "type" is "batch" or "epoch").
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lidecm/learner/em_learner.hpp"

namespace lidecm {

/// Seconds spent in each part of a training step.
struct StepTimings {
    double data_wait = 0;  ///< waiting for the prefetch queue
    double e_step = 0;     ///< tiles + assignment
    double m_step = 0;     ///< codebook statistics and update
    double decode = 0;     ///< token reconstructions
    double refine = 0;     ///< graph denoiser
    double losses = 0;     ///< MSE, SSIM, PSNR
    double learner = 0;    ///< features, attention, global and per-class updates
    double communication = 0;  ///< inside collectives with other ranks (part of the above; 0 alone)
    double total = 0;      ///< the whole step
};

struct BatchMetrics {
    int epoch = 0;
    std::uint64_t batch = 0;  ///< within the epoch
    std::uint64_t step = 0;   ///< since the start of the run (1 after the first batch)
    std::uint64_t images = 0;
    double loss = 0;          ///< mean loss proxy over the batch's images
    double mse = 0;           ///< refined reconstruction vs target
    double one_minus_ssim = 0;
    double quant_mse = 0;     ///< quantisation MSE per value of the tiles
    double smoothness = 0;
    double psnr_token = 0;    ///< mean PSNR of the token reconstructions
    double psnr_refined = 0;  ///< mean PSNR of the refined reconstructions
    double usage = 0;         ///< share of codewords used by this batch
    double perplexity = 0;    ///< of this batch's assignment
    double sigma = 0, tau = 0;  ///< global parameters after the update
    AttentionWeights attention;
    /// Risk rule: the standard deviation of each head's weight over the batch's scored
    /// images (how differently the heads treat them); 0 with the seed's batch attention.
    AttentionWeights attention_spread{0, 0, 0, 0};
    double images_per_second = 0;
    StepTimings timings;
    /// Over the epoch so far: time waiting for data / (waiting + steps).
    double data_wait_share = 0;
    /// Seconds to the end of the run at the epoch's pace so far (waits included).
    double eta_seconds = 0;
    std::uint64_t communication_bytes = 0;  ///< payload this rank gave the step's collectives (0 alone)
};

struct EpochMetrics {
    int epoch = 0;
    std::uint64_t step = 0;
    std::uint64_t batches = 0;
    double loss = 0, mse = 0, one_minus_ssim = 0, quant_mse = 0, smoothness = 0;  ///< means over the epoch's batches
    double psnr_token = 0, psnr_refined = 0;
    double usage = 0;       ///< share of codewords used during the epoch
    double perplexity = 0;  ///< of the epoch's assignment histogram
    int reseeded = 0;       ///< codewords re-seeded at the end of the epoch
    std::uint64_t validation_images = 0;
    double val_psnr_token = 0, val_psnr_refined = 0, val_ssim_token = 0, val_ssim_refined = 0;
    /// Quantisation RMS refinement assumes from this epoch on (saved as Model::quant_rms):
    /// the validation images' token error, or without any the epoch's mean training quant_mse.
    double refine_level = 0;
    double sigma = 0, tau = 0;
    AttentionWeights attention;  ///< mean over the epoch's batches
    double seconds = 0;
    double images_per_second = 0;
    double learner_share = 0;  ///< learner time / step time over the epoch
    double data_wait_share = 0;  ///< time waiting for data / (waiting + steps) over the epoch
    std::uint64_t decodes = 0;   ///< image files the epoch's loader decoded (not found in the cache)
};

/// Running sums of the batch figures of the epoch so far: what the epoch's
/// means are made of. Kept in checkpoints, so a resumed epoch ends with the
/// same means as one never interrupted.
struct EpochSums {
    double loss = 0, mse = 0, one_minus_ssim = 0, quant_mse = 0, smoothness = 0;
    double psnr_token = 0, psnr_refined = 0;
    AttentionWeights attention{0, 0, 0, 0};

    void add(const BatchMetrics& m);
    /// The sums of `batches` batches as means in the matching fields of `e` (untouched when batches is 0).
    void write_means(std::uint64_t batches, EpochMetrics& e) const;
};

std::string to_json_line(const BatchMetrics& m);  ///< one line, no newline
std::string to_json_line(const EpochMetrics& m);

/// One parsed line of metrics.jsonl.
struct MetricsLine {
    std::optional<BatchMetrics> batch;
    std::optional<EpochMetrics> epoch;
};
/// Parses one line; nothing for a malformed, truncated or unknown line (a run
/// killed mid-write leaves one), never an exception.
std::optional<MetricsLine> parse_metrics_line(const std::string& line);

/// Every line of a metrics.jsonl file.
struct MetricsLog {
    std::vector<BatchMetrics> batches;
    std::vector<EpochMetrics> epochs;
    std::size_t skipped_lines = 0;  ///< malformed or truncated lines (a run killed mid-write)
};
/// Metrics files larger than this are refused (about 1.7 million batch lines).
inline constexpr std::uint64_t kMaxMetricsFileBytes = std::uint64_t(1) << 30;

/// Reads metrics.jsonl; IoError when the file cannot be opened or is over kMaxMetricsFileBytes.
MetricsLog read_metrics(const std::filesystem::path& path);

}  // namespace lidecm
