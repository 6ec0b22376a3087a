#include "lidecm/codebook/prior_wiener.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/parallel.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/denoise/patches.hpp"

namespace lidecm {
namespace {

// Float: the estimates are saved as 8 or 16 bits, and the products are half the time of double.
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// References per chunk: bounds the patches held at once (chunk × dim values) whatever the
// image's size, and is fixed so that results do not depend on the thread count.
constexpr std::size_t kChunk = 2048;

void copy_patch(ImageView image, int y, int x, int patch, float* out) {
    const std::size_t row = std::size_t(patch) * std::size_t(image.channels);
    for (int dy = 0; dy < patch; ++dy) {
        const float* src = image.data.data() + (std::size_t(y + dy) * std::size_t(image.width) + std::size_t(x)) *
                                                   std::size_t(image.channels);
        std::copy(src, src + row, out + std::size_t(dy) * row);
    }
}

// Chooses, for each pilot patch, the Gaussian of largest posterior under its rank-r
// approximation (probabilistic PCA: the r leading directions kept, the others' variance
// replaced by their mean). All Gaussians at once: one product of the patches with the
// stacked directions, d × K·r, and one with the stacked means.
class Chooser {
public:
    Chooser(const PatchPrior& prior, int rank) : d_(prior.dim()), k_(prior.size()), r_(std::min(rank, prior.dim())) {
        directions_.resize(d_, Eigen::Index(k_) * r_);
        means_.resize(d_, k_);
        projected_means_.resize(Eigen::Index(k_) * r_);
        for (int k = 0; k < k_; ++k) {
            const GaussianComponent& c = prior.components()[std::size_t(k)];
            double log_det = 0.0, tail = 0.0;
            for (int j = 0; j < d_; ++j) {
                means_(j, k) = float(c.mean[std::size_t(j)]);
                if (j >= r_) tail += c.eigenvalues[std::size_t(j)];
            }
            for (int j = 0; j < r_; ++j) {
                double proj = 0.0;
                for (int q = 0; q < d_; ++q) {
                    const double u = c.eigenvectors[std::size_t(j) * std::size_t(d_) + std::size_t(q)];
                    directions_(q, k * r_ + j) = float(u);
                    proj += u * c.mean[std::size_t(q)];
                }
                projected_means_(k * r_ + j) = float(proj);
                inverse_variance_.push_back(1.0 / c.eigenvalues[std::size_t(j)]);
                log_det += std::log(c.eigenvalues[std::size_t(j)]);
            }
            const double tail_mean = r_ < d_ ? tail / double(d_ - r_) : 1.0;
            if (r_ < d_) log_det += double(d_ - r_) * std::log(tail_mean);
            inverse_tail_.push_back(r_ < d_ ? 1.0 / tail_mean : 0.0);
            double mean_sq = 0.0;
            for (double v : c.mean) mean_sq += v * v;
            mean_norms_.push_back(mean_sq);
            constants_.push_back(std::log(c.weight) - 0.5 * log_det);
        }
    }

    // x: n × d patches, already without their means when the prior removes them.
    [[nodiscard]] std::vector<int> choose(const RowMatrix& x) const {
        const RowMatrix z = (x * directions_).rowwise() - projected_means_;
        const RowMatrix dots = x * means_;
        std::vector<int> out(std::size_t(x.rows()));
        for (Eigen::Index i = 0; i < x.rows(); ++i) {
            const double norm = double(x.row(i).squaredNorm());
            double best = -std::numeric_limits<double>::infinity();
            for (int k = 0; k < k_; ++k) {
                double kept = 0.0, maha = 0.0;
                for (int j = 0; j < r_; ++j) {
                    const double v = z(i, k * r_ + j);
                    kept += v * v;
                    maha += v * v * inverse_variance_[std::size_t(k * r_ + j)];
                }
                const double distance = norm - 2.0 * double(dots(i, k)) + mean_norms_[std::size_t(k)];
                maha += std::max(distance - kept, 0.0) * inverse_tail_[std::size_t(k)];
                const double score = constants_[std::size_t(k)] - 0.5 * maha;
                if (score > best) {
                    best = score;
                    out[std::size_t(i)] = k;
                }
            }
        }
        return out;
    }

private:
    int d_, k_, r_;
    RowMatrix directions_, means_;
    Eigen::RowVectorXf projected_means_;
    std::vector<double> inverse_variance_, inverse_tail_, mean_norms_, constants_;
};

}  // namespace

void PriorWienerOptions::validate() const {
    require(step >= 1 && step <= 64, "step", "must be in [1, 64], got " + std::to_string(step));
    require(choice_rank >= 1, "choice_rank", "must be >= 1, got " + std::to_string(choice_rank));
}

Image prior_wiener(ImageView noisy, ImageView pilot, const PatchPrior& prior, double sigma,
                   const PriorWienerOptions& options) {
    options.validate();
    require(std::isfinite(sigma) && sigma > 0.0, "sigma", "must be > 0");
    require(pilot.height == noisy.height && pilot.width == noisy.width && pilot.channels == noisy.channels, "pilot",
            "must have the noisy image's shape");
    require(prior.channels() == noisy.channels, "prior",
            "is a prior of " + std::to_string(prior.channels()) + "-channel patches, the image has " +
                std::to_string(noisy.channels));
    const int P = prior.patch_size();
    const int C = noisy.channels;
    require(noisy.height >= P && noisy.width >= P, "image",
            "is " + std::to_string(noisy.height) + "x" + std::to_string(noisy.width) + ", smaller than the prior's " +
                std::to_string(P) + "x" + std::to_string(P) + " patch");
    const int dim = prior.dim();
    const std::vector<int> ys = patch_corners(noisy.height, P, options.step);
    const std::vector<int> xs = patch_corners(noisy.width, P, options.step);
    const std::size_t total = ys.size() * xs.size();

    // Per component: U diag(λ/(λ+σ²)) as E (rows: eigenvectors) scaled, so x̂ − centre = ((y − centre) Eᵀ) G E.
    const auto& comps = prior.components();
    std::vector<RowMatrix> basis(comps.size());
    std::vector<Eigen::VectorXf> gain(comps.size());
    for (std::size_t k = 0; k < comps.size(); ++k) {
        basis[k] = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                       comps[k].eigenvectors.data(), dim, dim).cast<float>();
        gain[k].resize(dim);
        for (int j = 0; j < dim; ++j) {
            const double l = comps[k].eigenvalues[std::size_t(j)];
            gain[k](j) = float(l / (l + sigma * sigma));
        }
    }

    const Chooser chooser(prior, options.choice_rank);
    std::vector<double> sum(noisy.size(), 0.0), weight(noisy.pixels(), 0.0);
    std::vector<float> pilot_patches, noisy_patches;
    for (std::size_t first = 0; first < total; first += kChunk) {
        const std::size_t n = std::min(kChunk, total - first);
        pilot_patches.resize(n * std::size_t(dim));
        noisy_patches.resize(n * std::size_t(dim));
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = first + i;
            const int y = ys[r / xs.size()], x = xs[r % xs.size()];
            copy_patch(pilot, y, x, P, pilot_patches.data() + i * std::size_t(dim));
            copy_patch(noisy, y, x, P, noisy_patches.data() + i * std::size_t(dim));
        }
        // The pilot patches without their per-channel means (m), which choose the Gaussians.
        RowMatrix pilot_centred(Eigen::Index(n), dim), patch_means(Eigen::Index(n), C);
        for (std::size_t i = 0; i < n; ++i) {
            const float* q = pilot_patches.data() + i * std::size_t(dim);
            for (int c = 0; c < C; ++c) {
                double m = 0.0;
                if (prior.mean_removed()) {
                    for (int j = c; j < dim; j += C) m += q[j];
                    m /= double(P * P);
                }
                patch_means(Eigen::Index(i), c) = float(m);
                for (int j = c; j < dim; j += C) pilot_centred(Eigen::Index(i), j) = q[j] - float(m);
            }
        }
        const std::vector<int> chosen = chooser.choose(pilot_centred);

        // centre = m + μ_k per patch; the estimate replaces the noisy patch in place.
        RowMatrix centred(Eigen::Index(n), dim), centre(Eigen::Index(n), dim);
        for (std::size_t i = 0; i < n; ++i) {
            const float* v = noisy_patches.data() + i * std::size_t(dim);
            const std::vector<double>& mu = comps[std::size_t(chosen[i])].mean;
            for (int j = 0; j < dim; ++j) {
                centre(Eigen::Index(i), j) = patch_means(Eigen::Index(i), j % C) + float(mu[std::size_t(j)]);
                centred(Eigen::Index(i), j) = v[j] - centre(Eigen::Index(i), j);
            }
        }
        detail::parallel_for(comps.size(), [&](std::size_t k) {
            omp_set_num_threads(1);  // Eigen's products on this thread: the rounding must not follow the thread count
            std::vector<Eigen::Index> rows;
            for (std::size_t i = 0; i < n; ++i) {
                if (chosen[i] == int(k)) rows.push_back(Eigen::Index(i));
            }
            if (rows.empty()) return;
            RowMatrix d(Eigen::Index(rows.size()), dim);
            for (std::size_t r = 0; r < rows.size(); ++r) d.row(Eigen::Index(r)) = centred.row(rows[r]);
            const RowMatrix coeff = (d * basis[k].transpose()) * gain[k].asDiagonal();
            const RowMatrix est = coeff * basis[k];
            for (std::size_t r = 0; r < rows.size(); ++r) centred.row(rows[r]) = est.row(Eigen::Index(r));
        }, n * std::size_t(dim) * std::size_t(dim) >= detail::kParallelMinWork);

        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = first + i;
            const int y = ys[r / xs.size()], x = xs[r % xs.size()];
            for (int dy = 0; dy < P; ++dy) {
                for (int dx = 0; dx < P; ++dx) {
                    const std::size_t pixel = std::size_t(y + dy) * std::size_t(noisy.width) + std::size_t(x + dx);
                    weight[pixel] += 1.0;
                    for (int c = 0; c < C; ++c) {
                        const int j = (dy * P + dx) * C + c;
                        sum[pixel * std::size_t(C) + std::size_t(c)] +=
                            double(centred(Eigen::Index(i), j) + centre(Eigen::Index(i), j));
                    }
                }
            }
        }
    }
    Image out(noisy.height, noisy.width, C);
    for (std::size_t v = 0; v < out.size(); ++v) {
        out.data[v] = float(std::clamp(sum[v] / weight[v / std::size_t(C)], 0.0, 1.0));
    }
    return out;
}

}  // namespace lidecm
