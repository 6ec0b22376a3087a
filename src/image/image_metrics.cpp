// MSE, PSNR and SSIM.
#include <cmath>
#include <limits>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm {
namespace {

void require_same_shape(ImageView a, ImageView b, const char* what) {
    require(!a.empty() && a.height == b.height && a.width == b.width && a.channels == b.channels, what,
            "images must be non-empty and of the same shape");
}

// Mean SSIM of one channel. The window is the 11×11 Gaussian of Wang et al.
// (σ = 1.5); like their reference code and scikit-image, the mean is taken
// over positions where the window lies inside the image, so borders do not
// depend on a padding rule. Images smaller than the window use reflection.
double ssim_channel(const cv::Mat& x, const cv::Mat& y) {
    constexpr int kWin = 11;
    constexpr double kSigma = 1.5, C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
    auto blur = [](const cv::Mat& m) {
        cv::Mat out;
        cv::GaussianBlur(m, out, cv::Size(kWin, kWin), kSigma, kSigma, cv::BORDER_REFLECT);
        return out;
    };
    cv::Mat mx = blur(x), my = blur(y);
    cv::Mat sxx = blur(x.mul(x)) - mx.mul(mx);
    cv::Mat syy = blur(y.mul(y)) - my.mul(my);
    cv::Mat sxy = blur(x.mul(y)) - mx.mul(my);
    cv::Mat num = (2 * mx.mul(my) + C1).mul(2 * sxy + C2);
    cv::Mat den = (mx.mul(mx) + my.mul(my) + C1).mul(sxx + syy + C2);
    cv::Mat map = num / den;
    const int pad = kWin / 2;
    if (x.rows > 2 * pad && x.cols > 2 * pad) {
        map = map(cv::Rect(pad, pad, x.cols - 2 * pad, x.rows - 2 * pad));
    }
    return cv::mean(map)[0];
}

}  // namespace

double mse(ImageView a, ImageView b) {
    require_same_shape(a, b, "mse");
    double sum = 0.0;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        const double d = double(a.data[i]) - double(b.data[i]);
        sum += d * d;
    }
    return sum / double(a.data.size());
}

double psnr(ImageView a, ImageView b) {
    const double m = mse(a, b);
    if (m == 0.0) return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(1.0 / m);
}

double ssim(ImageView a, ImageView b) {
    require_same_shape(a, b, "ssim");
    cv::Mat ma(a.height, a.width, CV_32FC(a.channels), const_cast<float*>(a.data.data()));
    cv::Mat mb(b.height, b.width, CV_32FC(b.channels), const_cast<float*>(b.data.data()));
    std::vector<cv::Mat> ca, cb;
    cv::split(ma, ca);
    cv::split(mb, cb);
    double total = 0.0;
    for (std::size_t c = 0; c < ca.size(); ++c) {
        cv::Mat x, y;
        ca[c].convertTo(x, CV_64F);
        cb[c].convertTo(y, CV_64F);
        total += ssim_channel(x, y);
    }
    return total / double(ca.size());
}

}  // namespace lidecm
