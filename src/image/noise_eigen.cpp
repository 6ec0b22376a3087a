// Eigen's symmetric eigensolver for the patch-PCA noise estimate, alone in this
// file so that only it needs the GCC warning exception of src/CMakeLists.txt.
#include <Eigen/Eigenvalues>

#include "image/noise_pca.hpp"

namespace lidecm::detail {

std::vector<double> symmetric_eigenvalues(const std::vector<double>& matrix, int d) {
    const Eigen::Map<const Eigen::MatrixXd> m(matrix.data(), d, d);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(m, Eigen::EigenvaluesOnly);
    const Eigen::VectorXd& ev = solver.eigenvalues();
    return {ev.data(), ev.data() + ev.size()};
}

}  // namespace lidecm::detail
