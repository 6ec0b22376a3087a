#pragma once
// Collaborative filtering of patch groups: the two-stage method of Dabov, Foi,
// Katkovnik & Egiazarian (BM3D, IEEE TIP 2007), with the parameters of Lebrun's
// analysis (IPOL 2012). Each reference patch (on a grid of step `step`) is
// grouped with its most similar patches in a search window; the group is
// filtered in a separable 3-D transform (2-D DCT per patch, Walsh–Hadamard
// across the group) and the filtered patches are aggregated with weights.
//   stage 1: hard thresholding at lambda·σ, weight 1 / (σ² · retained coefficients);
//   stage 2: regrouping on the stage-1 estimate, empirical Wiener shrinkage with
//            the stage-1 group as oracle, weight 1 / (σ² · Σ shrink²).
// Colour images are grouped on luminance and filtered per channel of the
// orthonormal opponent transform (which keeps white noise white, same σ).
//
// Memory: the image, its transform, two accumulation images and one stripe
// buffer per thread; no group or graph of the whole image is ever held.
// Results do not depend on the thread count: the image is cut into fixed
// stripes of reference rows, each accumulated on its own, added in stripe order.
#include <cstddef>
#include <string>

#include "lidecm/image/image.hpp"

namespace lidecm {

/// Throws InvalidArgument("<name>: must be in (0, 10]") unless 0 < strength <= 10: the range
/// of every multiplier on an assumed noise σ (here, in self-tuning and in denoise_image).
void require_strength(double strength, const std::string& name = "strength");

/// Most whole-image candidates per group (CollaborativeOptions::global_candidates).
inline constexpr int kMaxGlobalCandidates = 256;

/// Throws InvalidArgument("<name>: must be in [0, 256]") unless 0 <= count <= kMaxGlobalCandidates:
/// the range of every whole-image candidate count (the filter's, self-tuning's, a request's).
void require_global_candidates(int count, const std::string& name);

/// Options of collaborative_denoise.
struct CollaborativeOptions {
    double noise_sigma = 0.0;    ///< std of the noise, [0,1] units (required; ≥ 0)
    double strength = 1.0;       ///< multiplier on the σ both stages assume, (0, 10]
    int patch_size_hard = 8;     ///< stage-1 patch side (Lebrun's 12 above σ 40 measured 0.2 dB worse here)
    int patch_size_wiener = 8;   ///< stage-2 patch side (Lebrun's 11/12 above σ 40 measured 0.1 dB worse)
    int group_hard = 16;         ///< most patches in a stage-1 group (power of 2)
    int group_wiener = 16;       ///< most patches in a stage-2 group (power of 2; Lebrun's 32 measured 0.01-0.05 dB worse here, and slower)
    int step = 3;                ///< distance between reference patches, px (≤ 3 as published)
    /// Also gather each group from the whole image: this many nearest patches in a KD-tree
    /// of the patches' principal components join the window's candidates (0 = the window
    /// only). Documents repeat glyphs far beyond any window: +3 dB on text pages at σ 25
    /// (BENCHMARKS.md); photos gain little, for more time.
    int global_candidates = 0;
    int search_radius = 32;      ///< search window (2r+1)² around the reference, px (Lebrun: 16; 32 measured +0.1 to +0.2 dB on the dev set, most on repetitive images, for ~1.5x the time)
    double lambda_hard = 2.7;    ///< stage-1 threshold, in units of σ
    double kaiser_beta = 0.0;    ///< Kaiser window shape on aggregated patches (0 = flat; Lebrun's 2 measured 0.02 dB worse)
    int border = 0;              ///< px mirrored around the image so edge patches get a full window (16 measured no gain)
    bool bior_hard = true;       ///< stage 1 transforms patches with bior1.5 (as BM3D) instead of the DCT
    bool wiener = true;          ///< run stage 2 (false: return the stage-1 estimate)

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;

    /// Blind use, what `lidecm denoise` does: noise_sigma = estimate_noise_sigma(noisy).
    static CollaborativeOptions for_image(ImageView noisy, double strength = 1.0);
};

/// Seconds spent in each part of collaborative_denoise.
struct CollaborativeTimings {
    double hard = 0, wiener = 0, colour = 0;
    [[nodiscard]] double total() const { return hard + wiener + colour; }
};

struct CollaborativeResult {
    Image image;                ///< final estimate, same shape as the input, clamped to [0, 1]
    std::size_t groups = 0;     ///< reference patches filtered (both stages)
    double sigma_used = 0.0;    ///< noise_sigma · strength
    CollaborativeTimings timings;
};

/// Denoises `image` (any size at least one patch in each direction). σ = 0 returns the input.
/// Throws InvalidArgument for bad options or an image smaller than a patch (naming its size).
CollaborativeResult collaborative_denoise(ImageView image, const CollaborativeOptions& options);

}  // namespace lidecm
