#include "denoise/patch_features.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "lidecm/core/error.hpp"

namespace lidecm::detail {
namespace {

/// The top `dims` principal directions of the guide's patches (dims × k², row-major), from
/// a sample of corners on a grid: the covariance needs a few thousand patches, not all.
Eigen::MatrixXf principal_directions(PlaneView guide, int k, int dims) {
    const int rows = guide.height - k + 1, cols = guide.width - k + 1;
    const int stride = std::max(1, int(std::sqrt(double(rows) * cols / 8192.0)));
    const int d = k * k;
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), p(d);
    Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(d, d);
    double n = 0;
    for (int y = 0; y < rows; y += stride) {
        for (int x = 0; x < cols; x += stride) {
            for (int i = 0; i < k; ++i) {
                const float* row = guide.data + std::size_t(y + i) * std::size_t(guide.width) + std::size_t(x);
                std::copy(row, row + k, p.data() + i * k);
            }
            mean += p;
            scatter.selfadjointView<Eigen::Lower>().rankUpdate(p);
            n += 1;
        }
    }
    mean /= n;
    Eigen::MatrixXd cov = scatter.selfadjointView<Eigen::Lower>();
    cov = cov / n - mean * mean.transpose();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
    // Eigenvalues come in increasing order: the last `dims` columns are the strongest.
    return eig.eigenvectors().rightCols(dims).rowwise().reverse().transpose().cast<float>();
}

}  // namespace

PatchFeatures::PatchFeatures(PlaneView guide, int patch, int dims)
    : dims_(dims), rows_(guide.height - patch + 1), cols_(guide.width - patch + 1) {
    require(patch >= 1 && rows_ >= 1 && cols_ >= 1, "patch features", "the guide is smaller than a patch");
    require(dims >= 1 && dims <= std::min(patch * patch, kMaxDims), "patch features", "dims must be in [1, min(patch², 64)]");
    const Eigen::MatrixXf basis = principal_directions(guide, patch, dims);
    values_.resize(std::size_t(dims) * std::size_t(rows_) * std::size_t(cols_));
    const std::size_t plane = std::size_t(rows_) * std::size_t(cols_);
    // One row of corners at a time as a matrix product: (dims × k²) · (k² × cols).
#pragma omp parallel
    {
        Eigen::MatrixXf patches(patch * patch, cols_), row_features(dims, cols_);
#pragma omp for schedule(static)
        for (int y = 0; y < rows_; ++y) {
            for (int i = 0; i < patch; ++i) {
                const float* line = guide.data + std::size_t(y + i) * std::size_t(guide.width);
                for (int j = 0; j < patch; ++j) patches.row(i * patch + j) = Eigen::Map<const Eigen::RowVectorXf>(line + j, cols_);
            }
            row_features.noalias() = basis * patches;
            for (int d = 0; d < dims; ++d) {
                Eigen::Map<Eigen::RowVectorXf>(values_.data() + std::size_t(d) * plane + std::size_t(y) * std::size_t(cols_), cols_) =
                    row_features.row(d);
            }
        }
    }
}

}  // namespace lidecm::detail
