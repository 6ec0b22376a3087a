#include "denoise/patch_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <nanoflann.hpp>

namespace lidecm::detail {
namespace {

/// The patch at (y, x) of `guide` as k² values.
template <class T>
void read_patch(PlaneView guide, int y, int x, int k, T* out) {
    for (int i = 0; i < k; ++i) {
        const float* row = guide.data + std::size_t(y + i) * std::size_t(guide.width) + std::size_t(x);
        std::copy(row, row + k, out + i * k);
    }
}

/// The top `dims` principal directions of the guide's patches (dims × k², row-major), from
/// a sample of corners on a grid: the covariance needs a few thousand patches, not all.
Eigen::MatrixXd principal_directions(PlaneView guide, int k, int dims) {
    const int rows = guide.height - k + 1, cols = guide.width - k + 1;
    const int stride = std::max(1, int(std::sqrt(double(rows) * cols / 8192.0)));
    const int d = k * k;
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d), p(d);
    Eigen::MatrixXd scatter = Eigen::MatrixXd::Zero(d, d);
    double n = 0;
    for (int y = 0; y < rows; y += stride) {
        for (int x = 0; x < cols; x += stride) {
            read_patch(guide, y, x, k, p.data());
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
    return eig.eigenvectors().rightCols(dims).rowwise().reverse().transpose();
}

}  // namespace

struct PatchIndex::Tree {
    struct Cloud {
        const PatchIndex* index;
        [[nodiscard]] std::size_t kdtree_get_point_count() const { return index->features_.size() / std::size_t(PatchIndex::kDims); }
        [[nodiscard]] float kdtree_get_pt(std::size_t i, std::size_t dim) const {
            return index->features_[i * std::size_t(PatchIndex::kDims) + dim];
        }
        template <class BBox>
        bool kdtree_get_bbox(BBox&) const { return false; }
    };
    // The dimension fixed at compile time: the distance loops unroll (searches 1.3x faster).
    using Index = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<float, Cloud>, Cloud, PatchIndex::kDims, std::size_t>;
    Cloud cloud;
    Index index;
    explicit Tree(const PatchIndex* owner)
        : cloud{owner}, index(PatchIndex::kDims, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(16)) {
        index.buildIndex();
    }
};

PatchIndex::PatchIndex(PlaneView guide, int patch) : cols_(guide.width - patch + 1) {
    const int rows = guide.height - patch + 1;
    const Eigen::MatrixXf basis = principal_directions(guide, patch, kDims).cast<float>();
    features_.resize(std::size_t(rows) * std::size_t(cols_) * std::size_t(kDims));
#pragma omp parallel for schedule(static)
    for (int y = 0; y < rows; ++y) {
        Eigen::VectorXf p(patch * patch);
        for (int x = 0; x < cols_; ++x) {
            read_patch(guide, y, x, patch, p.data());
            Eigen::Map<Eigen::VectorXf>(features_.data() + (std::size_t(y) * std::size_t(cols_) + std::size_t(x)) * std::size_t(kDims), kDims) = basis * p;
        }
    }
    tree_ = std::make_unique<Tree>(this);
}

PatchIndex::~PatchIndex() = default;

void PatchIndex::nearest(int ry, int rx, int count, std::vector<std::pair<int, int>>& out) const {
    const float* q = features_.data() + (std::size_t(ry) * std::size_t(cols_) + std::size_t(rx)) * std::size_t(kDims);
    thread_local std::vector<std::size_t> idx;
    thread_local std::vector<float> dist;
    idx.resize(static_cast<std::size_t>(count));
    dist.resize(static_cast<std::size_t>(count));
    nanoflann::KNNResultSet<float, std::size_t> result(static_cast<std::size_t>(count));
    result.init(idx.data(), dist.data());
    // eps 1: a neighbour may be up to 2x farther than the true k-th in feature space. The
    // exact patch distance ranks the candidates anyway: the same PSNR on the document pages
    // (±0.002 dB) for 25 % less time than the exact search.
    tree_->index.findNeighbors(result, q, nanoflann::SearchParams(32, kSearchEps, true));
    const std::size_t found = result.size();
    for (std::size_t i = 0; i < found; ++i) out.emplace_back(int(idx[i] / std::size_t(cols_)), int(idx[i] % std::size_t(cols_)));
}

}  // namespace lidecm::detail
