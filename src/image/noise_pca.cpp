#include "image/noise_pca.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/parallel.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm::detail {
namespace {

// Images up to this many pixels are estimated whole; larger ones on tiles, so that
// the time stays bounded (≈ 4 times that of a 256×256 image).
constexpr std::size_t kWholeImagePixels = 512 * 512;
constexpr int kTile = 128;
constexpr int kMaxTileRows = 4, kMaxTiles = 16;

// One channel of the window, less its mean, as doubles. Centring first keeps the
// products small: σ² of 8-bit rounding alone (1.3e-6) must survive beside a picture
// variance near 0.1.
std::vector<double> centred_plane(ImageView image, int c, int y0, int x0, int h, int w) {
    std::vector<double> plane(std::size_t(h) * std::size_t(w));
    double sum = 0.0;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const double v = image.at(y0 + y, x0 + x, c);
            plane[std::size_t(y) * w + x] = v;
            sum += v;
        }
    }
    const double mean = sum / double(plane.size());
    for (double& v : plane) v -= mean;
    return plane;
}

// out[k] = Σ_{i=k}^{k+n-1} u[i]·v[i] for k in [first, last): the first window summed
// whole, each next one by adding the value entering and taking away the one leaving.
void window_sums(const double* u, const double* v, int n, int first, int last, double* out) {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int i = first; i < first + n; ++i) sum += u[i] * v[i];
    out[0] = sum;
    for (int k = first + 1; k < last; ++k) {
        sum += u[k + n - 1] * v[k + n - 1] - u[k - 1] * v[k - 1];
        out[k - first] = sum;
    }
}

}  // namespace

std::vector<double> patch_covariance(ImageView image, int y0, int x0, int h, int w, int patch) {
    const int r = patch, channels = image.channels, d = r * r * channels;
    const int ny = h - r + 1, nx = w - r + 1;  // patch positions per column and per row
    const double count = double(ny) * double(nx);
    std::vector<std::vector<double>> planes;
    for (int c = 0; c < channels; ++c) planes.push_back(centred_plane(image, c, y0, x0, h, w));
    const auto key = [r](int c, int dy, int dx) { return std::size_t((c * r + dy) * r + dx); };

    // sums(p, q, ·, oy, ox, store) calls store(dy, dx, Σ over patch positions (y, x) of
    // p(y+dy, x+dx)·q(y+dy+oy, x+dx+ox)) for every (dy, dx) with both inside the patch.
    // rows[j·h + y] holds, for the patch column dx = a+j, the sums along image row y;
    // these are then summed down the rows. q_stride 0 reads one row of q for every row
    // of p: the ones that turn the same sums into the mean patch.
    std::vector<double> rows(std::size_t(r) * std::size_t(h));
    std::vector<double> row(std::size_t(r), 0.0), down(std::size_t(r), 0.0);
    const std::vector<double> ones(std::size_t(std::max(h, w)), 1.0);
    const auto sums = [&](const double* p, const double* q, int q_stride, int oy, int ox, auto&& store) {
        const int a = std::max(0, -ox), b = std::min(r, r - ox);  // column offsets dx with dx+ox inside the patch
        for (int y = 0; y + oy < h; ++y) {
            window_sums(p + std::size_t(y) * w, q + std::ptrdiff_t(y + oy) * q_stride + ox, nx, a, b, row.data());
            for (int j = 0; j < b - a; ++j) rows[std::size_t(j) * h + y] = row[std::size_t(j)];
        }
        for (int dx = a; dx < b; ++dx) {
            window_sums(rows.data() + std::size_t(dx - a) * h, ones.data(), ny, 0, r - oy, down.data());
            for (int dy = 0; dy < r - oy; ++dy) store(dy, dx, down[std::size_t(dy)]);
        }
    };

    std::vector<double> mean(std::size_t(d), 0.0);
    for (int c = 0; c < channels; ++c) {
        sums(planes[std::size_t(c)].data(), ones.data(), 0, 0, 0,
             [&](int dy, int dx, double s) { mean[key(c, dy, dx)] = s / count; });
    }
    std::vector<double> cov(std::size_t(d) * std::size_t(d), 0.0);
    for (int c1 = 0; c1 < channels; ++c1) {
        for (int c2 = 0; c2 < channels; ++c2) {
            for (int oy = 0; oy < r; ++oy) {
                for (int ox = 1 - r; ox < r; ++ox) {
                    // Each pair of dimensions once: the second is below the first, or
                    // on the same row of the patch and further along (channel, column).
                    if (oy == 0 && (c2 < c1 || (c2 == c1 && ox < 0))) continue;
                    const auto store = [&](int dy, int dx, double s) {
                        const std::size_t k1 = key(c1, dy, dx), k2 = key(c2, dy + oy, dx + ox);
                        const double value = s / count - mean[k1] * mean[k2];
                        cov[k1 * d + k2] = value;
                        cov[k2 * d + k1] = value;
                    };
                    sums(planes[std::size_t(c1)].data(), planes[std::size_t(c2)].data(), w, oy, ox, store);
                }
            }
        }
    }
    return cov;
}

double tail_noise_variance(std::vector<double> eigenvalues) {
    require(!eigenvalues.empty(), "noise estimate", "no eigenvalues");
    std::sort(eigenvalues.begin(), eigenvalues.end());
    std::vector<double> prefix(eigenvalues.size() + 1, 0.0);
    for (std::size_t i = 0; i < eigenvalues.size(); ++i) prefix[i + 1] = prefix[i] + eigenvalues[i];
    // Drop the largest eigenvalue until the rest are as much above their mean as below:
    // the ones the picture adds pull the mean above the median. Ends by k = 1 at the
    // latest, where the one value is its own mean and median.
    for (std::size_t k = eigenvalues.size();; --k) {
        const double mean = prefix[k] / double(k);
        const double median = k % 2 ? eigenvalues[k / 2] : 0.5 * (eigenvalues[k / 2 - 1] + eigenvalues[k / 2]);
        if (mean <= median) return mean;
    }
}

namespace {

struct Window {
    int y, x, h, w;
};

// The whole image, or up to kMaxTiles tiles spread evenly over a large one (their
// centres on a regular grid), so that the estimate reads every part of the picture.
std::vector<Window> windows_of(int height, int width) {
    if (std::size_t(height) * std::size_t(width) <= kWholeImagePixels) return {{0, 0, height, width}};
    const int th = std::min(height, kTile), tw = std::min(width, kTile);
    const int ky = std::clamp(height / th, 1, kMaxTileRows), kx = std::clamp(width / tw, 1, kMaxTiles / ky);
    std::vector<Window> windows;
    for (int i = 0; i < ky; ++i) {
        for (int j = 0; j < kx; ++j) {
            const int y = std::clamp(int((2 * i + 1) * std::int64_t(height) / (2 * ky)) - th / 2, 0, height - th);
            const int x = std::clamp(int((2 * j + 1) * std::int64_t(width) / (2 * kx)) - tw / 2, 0, width - tw);
            windows.push_back({y, x, th, tw});
        }
    }
    return windows;
}

// A grey photo saved as RGB has three equal channels; taken together they would
// leave two thirds of the patch space empty and the estimate at 0.
bool channels_equal(ImageView image) {
    if (image.channels != 3) return false;
    for (std::size_t i = 0; i < image.size(); i += 3) {
        if (image.data[i] != image.data[i + 1] || image.data[i] != image.data[i + 2]) return false;
    }
    return true;
}

}  // namespace

double patch_pca_sigma(ImageView image) {
    const int r = kNoisePatch;
    require(image.height >= r && image.width >= r, "noise estimate",
            "the image is " + std::to_string(image.height) + "×" + std::to_string(image.width) +
                " (height×width), smaller than the " + std::to_string(r) + "×" + std::to_string(r) +
                " patches of the PatchPca estimate");
    Image grey;
    if (channels_equal(image)) {
        grey = Image(image.height, image.width, 1);
        for (std::size_t i = 0; i < grey.size(); ++i) grey.data[i] = image.data[3 * i];
    }
    const ImageView source = grey.empty() ? image : ImageView(grey);
    const std::vector<Window> windows = windows_of(source.height, source.width);
    std::vector<std::vector<double>> covs(windows.size());
    parallel_for(
        windows.size(),
        [&](std::size_t t) {
            const Window& w = windows[t];
            covs[t] = patch_covariance(source, w.y, w.x, w.h, w.w, r);
        },
        windows.size() > 1);
    // The tiles' covariances (each about its own mean patch) averaged: all tiles have
    // the same number of patches.
    std::vector<double> pooled(covs[0].size(), 0.0);
    for (const auto& cov : covs) {
        for (std::size_t i = 0; i < pooled.size(); ++i) pooled[i] += cov[i] / double(covs.size());
    }
    const double variance = tail_noise_variance(symmetric_eigenvalues(pooled, r * r * source.channels));
    return std::sqrt(std::max(0.0, variance));  // rounding can leave the smallest eigenvalues just below 0
}

}  // namespace lidecm::detail
