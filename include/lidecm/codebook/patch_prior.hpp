#pragma once
// A Gaussian-mixture prior of image patches (Zoran & Weiss's EPLL prior), fitted by EM:
// the codebook's EM grown from hard assignments to soft ones with a covariance per
// component. k-means (train_kmeans) gives the start; each EM iteration computes every
// patch's posterior over the components and re-estimates weights, means and covariances.
//
// The M-step is the exact maximiser of the log-likelihood plus two weak priors, so the
// objective EM reports never decreases:
//   Σ_i log Σ_k π_k N(x_i; μ_k, Σ_k) + Σ_k log π_k − ν/2 Σ_k (log|Σ_k| + ε tr Σ_k⁻¹),
// giving π_k = (N_k + 1) / (n + K) (no component's weight reaches 0) and
// Σ_k = (Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ + ν ε I) / (N_k + ν) (every Σ_k invertible).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace lidecm {

/// The bounds validate() puts on PatchPriorOptions' components and iterations (training's
/// --prior-components and --prior-iterations take the same).
inline constexpr int kMaxPriorComponents = 512;
inline constexpr int kMaxPriorIterations = 10'000;

/// Options of fit_patch_prior.
struct PatchPriorOptions {
    int components = 20;            ///< K Gaussians: 1 … kMaxPriorComponents, and at most the number of patches
    int iterations = 30;            ///< EM iterations after the k-means start: 1 … kMaxPriorIterations
    int kmeans_iterations = 10;     ///< Lloyd iterations of the k-means start (≥ 0)
    double variance_floor = 1e-4;   ///< ε: the covariance prior's variance (pixel values in [0, 1]), in (0, 1]
    double floor_weight = 1.0;      ///< ν: its weight in patches' worth (≥ 0); 0 makes the fit plain ML
    bool remove_mean = true;        ///< model each patch minus its per-channel mean (EPLL's DC removal):
                                    ///< the prior learns shape and contrast, the brightness stays the data's
    double tolerance = 1e-6;        ///< stop once an iteration raises the objective per patch by less (≥ 0)
    std::uint64_t seed = 1234;      ///< seeds the k-means start
};

/// Throws InvalidArgument naming the first field out of range.
void validate(const PatchPriorOptions& options);

/// One Gaussian of the mixture, its covariance as an eigen-decomposition.
struct GaussianComponent {
    double weight = 0.0;               ///< π_k, the components' weights sum to 1
    std::vector<double> mean;          ///< μ_k, dim values
    std::vector<double> eigenvalues;   ///< λ of Σ_k, dim values, largest first, all > 0
    std::vector<double> eigenvectors;  ///< dim × dim row-major: row j is the unit eigenvector of λ_j (an eigen-patch)
};

/// A patch prior: a Gaussian mixture over patch_size² × channels values laid out as the
/// tokenizer's tiles (row-major HWC).
class PatchPrior {
public:
    /// Checks the shapes (every component with dim values, dim² eigenvector entries, positive
    /// eigenvalues, weights summing to 1 within 1e-6) and precomputes the whitening.
    PatchPrior(int patch_size, int channels, bool mean_removed, std::vector<GaussianComponent> components);

    [[nodiscard]] int patch_size() const { return patch_size_; }
    [[nodiscard]] int channels() const { return channels_; }
    [[nodiscard]] int dim() const { return patch_size_ * patch_size_ * channels_; }
    [[nodiscard]] bool mean_removed() const { return mean_removed_; }
    [[nodiscard]] int size() const { return int(components_.size()); }
    [[nodiscard]] const std::vector<GaussianComponent>& components() const { return components_; }

    /// log p(x) of each of n patches (n × dim floats; their per-channel mean is removed
    /// first when mean_removed()).
    [[nodiscard]] std::vector<double> log_likelihood(const float* patches, std::size_t n) const;
    /// Posterior of each component for each patch: n × K row-major, rows summing to 1.
    [[nodiscard]] std::vector<double> responsibilities(const float* patches, std::size_t n) const;

private:
    int patch_size_;
    int channels_;
    bool mean_removed_;
    std::vector<GaussianComponent> components_;
    std::vector<double> whitening_;  ///< per component dim × dim: U Λ^{-1/2}, so ‖(x − μ)ᵀ W‖² is the Mahalanobis term
    std::vector<double> log_norm_;   ///< per component log π_k − ½(dim log 2π + Σ log λ)

    /// log π_k N(x_i; μ_k, Σ_k): n × K row-major.
    [[nodiscard]] std::vector<double> joint_log_density(const float* patches, std::size_t n) const;
};

/// One prior holding the components of several (same patch size, channels and mean
/// removal), prior p's weights scaled by weights[p] and the whole renormalised: a mixture
/// of the priors with those weights. Priors of weight 0 are left out. Throws
/// InvalidArgument for no priors, shapes that differ, or weights negative, non-finite or all 0.
PatchPrior mix_priors(const std::vector<const PatchPrior*>& priors, const std::vector<double>& weights);

/// A fitted prior and how EM went.
struct PatchPriorFit {
    PatchPrior prior;
    std::vector<double> objective;       ///< per iteration, the objective above divided by n (never decreases)
    std::vector<double> log_likelihood;  ///< per iteration, mean log p(x) of the patches
    double seconds = 0.0;                ///< wall time, the k-means start included
};

/// Fits a prior to n patches (n × patch_size² × channels floats, tile layout) by EM from a
/// k-means start. Throws InvalidArgument for bad options, n < K, or a non-finite value.
PatchPriorFit fit_patch_prior(const float* patches, std::size_t n, int patch_size, int channels,
                              const PatchPriorOptions& options);

}  // namespace lidecm
