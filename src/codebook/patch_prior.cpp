#include "lidecm/codebook/patch_prior.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "core/parallel.hpp"
#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

// Rows per block of the E-step: fixed, so results do not depend on the thread count.
constexpr std::size_t kBlockRows = 256;

std::string text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// The patches as doubles, each minus its per-channel mean when asked; throws on a
// non-finite value (naming the patch) so EM never sees one.
RowMatrix centred_patches(const float* patches, std::size_t n, int dim, int channels, bool remove_mean) {
    RowMatrix x(Eigen::Index(n), dim);
    const int pixels = dim / channels;
    for (std::size_t i = 0; i < n; ++i) {
        const float* p = patches + i * std::size_t(dim);
        double* row = x.row(Eigen::Index(i)).data();
        for (int j = 0; j < dim; ++j) {
            require(std::isfinite(p[j]), "patches", "patch " + std::to_string(i) + " has a non-finite value");
            row[j] = p[j];
        }
        if (!remove_mean) continue;
        for (int c = 0; c < channels; ++c) {
            double sum = 0.0;
            for (int q = 0; q < pixels; ++q) sum += row[q * channels + c];
            const double mean = sum / pixels;
            for (int q = 0; q < pixels; ++q) row[q * channels + c] -= mean;
        }
    }
    return x;
}

// Row-wise log Σ_k exp(a_k), written over a's row in place as the posterior exp(a_k − lse).
double normalise_row(double* a, int k) {
    const double top = *std::max_element(a, a + k);
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(a[j] - top);
    const double lse = top + std::log(sum);
    for (int j = 0; j < k; ++j) a[j] = std::exp(a[j] - lse);
    return lse;
}

// The M-step's sufficient statistics of one component: N_k, Σ r x and Σ r x xᵀ, summed
// over the rows in order on one thread (components run in parallel).
GaussianComponent m_step(const RowMatrix& x, const RowMatrix& post, int k, const GaussianComponent* previous,
                         const PatchPriorOptions& o) {
    const Eigen::Index n = x.rows(), d = x.cols();
    const Vector r = post.col(k);
    const double nk = r.sum();
    GaussianComponent c;
    c.weight = (nk + 1.0) / (double(n) + double(post.cols()));
    Vector mean = Vector::Zero(d);
    if (previous != nullptr) mean = Eigen::Map<const Vector>(previous->mean.data(), d);
    if (nk > 0.0) mean = (x.transpose() * r) / nk;
    const RowMatrix weighted = ((x.rowwise() - mean.transpose()).array().colwise() * r.array().sqrt()).matrix();
    Eigen::MatrixXd scatter = weighted.transpose() * weighted;
    scatter.diagonal().array() += o.floor_weight * o.variance_floor;
    const double denom = nk + o.floor_weight;
    // ν = 0 and an empty component: nothing to estimate from; the floor alone is the guess.
    const Eigen::MatrixXd cov = denom > 0.0 ? Eigen::MatrixXd(scatter / denom)
                                            : Eigen::MatrixXd(Eigen::MatrixXd::Identity(d, d) * o.variance_floor);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    c.mean.assign(mean.data(), mean.data() + d);
    c.eigenvalues.resize(std::size_t(d));
    c.eigenvectors.resize(std::size_t(d * d));
    // Eigen gives ascending order; store largest first, each eigenvector as a row.
    for (Eigen::Index j = 0; j < d; ++j) {
        const Eigen::Index src = d - 1 - j;
        // A covariance with ν = 0 can be singular; the floor keeps log|Σ| and Σ⁻¹ finite.
        c.eigenvalues[std::size_t(j)] = std::max(eig.eigenvalues()(src), 1e-12);
        for (Eigen::Index q = 0; q < d; ++q) c.eigenvectors[std::size_t(j * d + q)] = eig.eigenvectors()(q, src);
    }
    return c;
}

// W_k = U Λ^{-1/2} (dim × dim row-major per component: column j is eigenvector j scaled) and
// log π_k − ½(dim log 2π + log|Σ_k|), what the density of each component needs.
void whiten(const std::vector<GaussianComponent>& comps, std::vector<double>& whitening, std::vector<double>& log_norm) {
    const std::size_t d = comps.front().mean.size();
    whitening.assign(comps.size() * d * d, 0.0);
    log_norm.assign(comps.size(), 0.0);
    for (std::size_t k = 0; k < comps.size(); ++k) {
        const GaussianComponent& c = comps[k];
        double log_det = 0.0;
        for (std::size_t j = 0; j < d; ++j) {
            log_det += std::log(c.eigenvalues[j]);
            const double scale = 1.0 / std::sqrt(c.eigenvalues[j]);
            for (std::size_t q = 0; q < d; ++q) whitening[k * d * d + q * d + j] = c.eigenvectors[j * d + q] * scale;
        }
        log_norm[k] = std::log(c.weight) - 0.5 * (double(d) * std::log(2.0 * std::numbers::pi) + log_det);
    }
}

// log π_k N(x_i; μ_k, Σ_k) of every row of x (already centred if the prior removes means):
// n × K row-major, from the whitening W_k = U Λ^{-1/2} and log_norm_k of each component.
std::vector<double> joint_density(const RowMatrix& x, const std::vector<GaussianComponent>& comps,
                                  const std::vector<double>& whitening, const std::vector<double>& log_norm) {
    const std::size_t n = std::size_t(x.rows());
    const int K = int(comps.size());
    const Eigen::Index d = x.cols();
    std::vector<double> out(n * std::size_t(K));
    const std::size_t blocks = (n + kBlockRows - 1) / kBlockRows;
    detail::parallel_for(blocks, [&](std::size_t b) {
        omp_set_num_threads(1);  // Eigen's products on this thread: the rounding must not follow the thread count
        const Eigen::Index first = Eigen::Index(b * kBlockRows);
        const Eigen::Index count = std::min(Eigen::Index(kBlockRows), Eigen::Index(n) - first);
        for (int k = 0; k < K; ++k) {
            const Eigen::Map<const Vector> mean(comps[std::size_t(k)].mean.data(), d);
            const Eigen::Map<const RowMatrix> w(whitening.data() + std::size_t(k) * std::size_t(d * d), d, d);
            const Vector q = ((x.middleRows(first, count).rowwise() - mean.transpose()) * w).rowwise().squaredNorm();
            for (Eigen::Index i = 0; i < count; ++i) {
                out[std::size_t(first + i) * std::size_t(K) + std::size_t(k)] = log_norm[std::size_t(k)] - 0.5 * q(i);
            }
        }
    }, blocks > 1);
    return out;
}

double covariance_penalty(const std::vector<GaussianComponent>& comps, const PatchPriorOptions& o) {
    double penalty = 0.0;
    for (const GaussianComponent& c : comps) {
        double log_det = 0.0, trace_inv = 0.0;
        for (double l : c.eigenvalues) {
            log_det += std::log(l);
            trace_inv += 1.0 / l;
        }
        penalty += std::log(c.weight) - 0.5 * o.floor_weight * (log_det + o.variance_floor * trace_inv);
    }
    return penalty;
}

}  // namespace

void validate(const PatchPriorOptions& o) {
    require(o.components >= 1 && o.components <= kMaxPriorComponents, "components",
            "must be in [1, " + std::to_string(kMaxPriorComponents) + "], got " + std::to_string(o.components));
    require(o.iterations >= 1 && o.iterations <= kMaxPriorIterations, "iterations",
            "must be in [1, " + std::to_string(kMaxPriorIterations) + "], got " + std::to_string(o.iterations));
    require(o.kmeans_iterations >= 0, "kmeans_iterations", "must be >= 0, got " + std::to_string(o.kmeans_iterations));
    require(o.variance_floor > 0.0 && o.variance_floor <= 1.0, "variance_floor",
            "must be in (0, 1], got " + text(o.variance_floor));
    require(std::isfinite(o.floor_weight) && o.floor_weight >= 0.0, "floor_weight",
            "must be >= 0, got " + text(o.floor_weight));
    require(std::isfinite(o.tolerance) && o.tolerance >= 0.0, "tolerance", "must be >= 0, got " + text(o.tolerance));
}

PatchPrior::PatchPrior(int patch_size, int channels, bool mean_removed, std::vector<GaussianComponent> components)
    : patch_size_(patch_size), channels_(channels), mean_removed_(mean_removed), components_(std::move(components)) {
    require(patch_size >= 1 && channels >= 1, "patch prior",
            "patch size and channels must be >= 1, got " + std::to_string(patch_size) + " and " + std::to_string(channels));
    require(!components_.empty(), "patch prior", "has no components");
    const std::size_t d = std::size_t(dim());
    double total = 0.0;
    for (std::size_t k = 0; k < components_.size(); ++k) {
        const GaussianComponent& c = components_[k];
        const std::string which = "patch prior component " + std::to_string(k);
        require(c.mean.size() == d && c.eigenvalues.size() == d && c.eigenvectors.size() == d * d, which,
                "needs " + std::to_string(d) + " mean values, " + std::to_string(d) + " eigenvalues and " +
                    std::to_string(d * d) + " eigenvector entries");
        require(std::isfinite(c.weight) && c.weight > 0.0, which, "weight must be > 0, got " + text(c.weight));
        for (double l : c.eigenvalues) require(std::isfinite(l) && l > 0.0, which, "has an eigenvalue <= 0");
        total += c.weight;
    }
    require(std::abs(total - 1.0) <= 1e-6, "patch prior", "weights sum to " + text(total) + ", not 1");
    whiten(components_, whitening_, log_norm_);
}

std::vector<double> PatchPrior::joint_log_density(const float* patches, std::size_t n) const {
    return joint_density(centred_patches(patches, n, dim(), channels_, mean_removed_), components_, whitening_,
                         log_norm_);
}

std::vector<double> PatchPrior::log_likelihood(const float* patches, std::size_t n) const {
    std::vector<double> joint = joint_log_density(patches, n);
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = normalise_row(joint.data() + i * std::size_t(size()), size());
    return out;
}

std::vector<double> PatchPrior::responsibilities(const float* patches, std::size_t n) const {
    std::vector<double> joint = joint_log_density(patches, n);
    for (std::size_t i = 0; i < n; ++i) normalise_row(joint.data() + i * std::size_t(size()), size());
    return joint;
}

PatchPrior mix_priors(const std::vector<const PatchPrior*>& priors, const std::vector<double>& weights) {
    require(!priors.empty() && priors.size() == weights.size(), "priors", "need one weight per prior, and a prior");
    double total = 0.0;
    for (std::size_t p = 0; p < priors.size(); ++p) {
        require(std::isfinite(weights[p]) && weights[p] >= 0.0, "weights", "must be finite and >= 0");
        require(priors[p]->patch_size() == priors[0]->patch_size() && priors[p]->channels() == priors[0]->channels() &&
                    priors[p]->mean_removed() == priors[0]->mean_removed(),
                "priors", "must share patch size, channels and mean removal");
        total += weights[p];
    }
    require(total > 0.0, "weights", "must not all be 0");
    std::vector<GaussianComponent> comps;
    for (std::size_t p = 0; p < priors.size(); ++p) {
        if (weights[p] <= 0.0) continue;
        for (GaussianComponent c : priors[p]->components()) {
            c.weight *= weights[p] / total;
            if (c.weight > 0.0) comps.push_back(std::move(c));  // a weight so small that it underflows
        }
    }
    return PatchPrior(priors[0]->patch_size(), priors[0]->channels(), priors[0]->mean_removed(), std::move(comps));
}

PatchPriorFit fit_patch_prior(const float* patches, std::size_t n, int patch_size, int channels,
                              const PatchPriorOptions& options) {
    validate(options);
    require(patch_size >= 1 && channels >= 1, "patch prior",
            "patch size and channels must be >= 1, got " + std::to_string(patch_size) + " and " + std::to_string(channels));
    const int K = options.components;
    require(n >= std::size_t(K), "patches",
            "need at least as many patches as components (" + std::to_string(K) + "), got " + std::to_string(n));
    const auto start = std::chrono::steady_clock::now();
    const int dim = patch_size * patch_size * channels;
    const RowMatrix x = centred_patches(patches, n, dim, channels, options.remove_mean);

    // The start: k-means' hard assignment as the first posterior (K = 1: every patch in it).
    RowMatrix post = RowMatrix::Zero(Eigen::Index(n), K);
    if (K == 1) {
        post.setOnes();
    } else {
        const std::vector<float> xf(x.data(), x.data() + x.size());
        CodebookOptions km;
        km.num_codes = K;
        km.seed = options.seed;
        km.kmeans_iterations = options.kmeans_iterations;
        const KMeansResult kmeans = train_kmeans(xf.data(), n, dim, km);
        const Assignment a = kmeans.codebook.assign(xf.data(), n);
        for (std::size_t i = 0; i < n; ++i) post(Eigen::Index(i), a.index[i]) = 1.0;
    }

    std::vector<GaussianComponent> comps{std::size_t(K)};
    std::vector<double> objective, mean_log_likelihood;
    for (int it = 0; it < options.iterations; ++it) {
        // m_step reads its component's previous mean (for an empty one) before the
        // assignment replaces it, and each task touches only its own component: no copy.
        detail::parallel_for(std::size_t(K), [&](std::size_t k) {
            omp_set_num_threads(1);
            comps[k] = m_step(x, post, int(k), it > 0 ? &comps[k] : nullptr, options);
        });
        // (N_k + 1) / (n + K) sums to 1 up to rounding; make it exact for the constructor's check.
        double total = 0.0;
        for (const GaussianComponent& c : comps) total += c.weight;
        for (GaussianComponent& c : comps) c.weight /= total;
        std::vector<double> whitening, log_norm;
        whiten(comps, whitening, log_norm);
        std::vector<double> joint = joint_density(x, comps, whitening, log_norm);
        double log_lik = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            double* row = joint.data() + i * std::size_t(K);
            log_lik += normalise_row(row, K);
            for (int k = 0; k < K; ++k) post(Eigen::Index(i), k) = row[k];
        }
        mean_log_likelihood.push_back(log_lik / double(n));
        objective.push_back((log_lik + covariance_penalty(comps, options)) / double(n));
        if (it > 0 && objective[objective.size() - 1] - objective[objective.size() - 2] < options.tolerance) break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return {PatchPrior(patch_size, channels, options.remove_mean, std::move(comps)), std::move(objective),
            std::move(mean_log_likelihood), seconds};
}

}  // namespace lidecm
