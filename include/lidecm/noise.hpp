#pragma once
// Blind estimate of additive white Gaussian noise.
#include "lidecm/image.hpp"

namespace lidecm {

/// Estimates the standard deviation (in [0,1] units) of additive white Gaussian
/// noise with Donoho & Johnstone's robust median estimator (Biometrika 1994):
/// sigma = median(|HH|) / 0.6745 over the finest diagonal Haar wavelet
/// coefficients of each channel, averaged over channels. The same estimator as
/// scikit-image's estimate_sigma (which uses db2 instead of Haar). Textured images
/// read higher than their true noise. Throws for images smaller than 2×2.
double estimate_noise_sigma(const Image& image);

}  // namespace lidecm
