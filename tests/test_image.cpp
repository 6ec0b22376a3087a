// Image operations and quality metrics.
#include <cmath>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

TEST(Image, ConstructorRejectsBadShapes) {
    EXPECT_THROW(Image(0, 4, 3), InvalidArgument);
    EXPECT_THROW(Image(4, 4, 2), InvalidArgument);
    Image img(2, 3, 3, 0.5f);
    EXPECT_EQ(img.size(), 18u);
    EXPECT_FLOAT_EQ(img.at(1, 2, 2), 0.5f);
}

TEST(Image, GreyAndRgbConversions) {
    Image rgb(1, 1, 3);
    rgb.data = {1.0f, 0.0f, 0.0f};
    const Image grey = to_grey(rgb);
    ASSERT_EQ(grey.channels, 1);
    EXPECT_NEAR(grey.data[0], 0.299f, 1e-6);
    const Image back = to_rgb(grey);
    ASSERT_EQ(back.channels, 3);
    EXPECT_FLOAT_EQ(back.data[0], back.data[2]);
}

TEST(Image, CropAndFlips) {
    const Image g = test::gradient(6, 8, 1);
    const Image c = center_crop(g, 2, 4);
    EXPECT_FLOAT_EQ(c.at(0, 0, 0), g.at(2, 2, 0));
    EXPECT_THROW(center_crop(g, 7, 4), InvalidArgument);
    const Image h = flip_horizontal(g);
    EXPECT_FLOAT_EQ(h.at(3, 0, 0), g.at(3, 7, 0));
    EXPECT_EQ(flip_horizontal(h).data, g.data);
    const Image v = flip_vertical(test::checkerboard(4, 4, 3, 1));
    EXPECT_FLOAT_EQ(v.at(0, 0, 0), 0.9f);
}

TEST(Image, ResizeKeepsConstantAndShape) {
    const Image c = test::constant(40, 60, 3, 0.25f);
    const Image small = resize(c, 10, 15);
    EXPECT_EQ(small.height, 10);
    EXPECT_EQ(small.width, 15);
    for (float v : small.data) EXPECT_NEAR(v, 0.25f, 1e-6);
    const Image big = resize_shorter_side(c, 80);
    EXPECT_EQ(big.height, 80);
    EXPECT_EQ(big.width, 120);
    for (float v : big.data) EXPECT_NEAR(v, 0.25f, 1e-5);
}

TEST(Image, SeededNoiseHasTheAskedStd) {
    const Image flat = test::constant(200, 200, 1, 0.5f);
    const Image a = add_gaussian_noise(flat, 0.05, 7);
    const Image b = add_gaussian_noise(flat, 0.05, 7);
    const Image c = add_gaussian_noise(flat, 0.05, 8);
    EXPECT_EQ(a.data, b.data);
    EXPECT_NE(a.data, c.data);
    EXPECT_NEAR(std::sqrt(mse(a, flat)), 0.05, 0.002);  // 40,000 samples: std error ≈ 0.0002
    const Image clipped = add_gaussian_noise(test::constant(10, 10, 1, 1.0f), 0.5, 1);
    for (float v : clipped.data) EXPECT_LE(v, 1.0f);
    EXPECT_THROW(add_gaussian_noise(flat, std::nan(""), 1), InvalidArgument);
}

TEST(Metrics, PsnrOfKnownError) {
    const Image a = test::constant(8, 8, 3, 0.5f);
    const Image b = test::constant(8, 8, 3, 0.6f);
    EXPECT_NEAR(mse(a, b), 0.01, 1e-7);
    EXPECT_NEAR(psnr(a, b), 20.0, 1e-4);
    EXPECT_TRUE(std::isinf(psnr(a, a)));
    EXPECT_THROW(mse(a, test::constant(8, 8, 1, 0.5f)), InvalidArgument);
}

TEST(Metrics, SsimOfIdenticalImagesIsOne) {
    const Image img = test::noise_texture(32, 32, 3, 3);
    EXPECT_NEAR(ssim(img, img), 1.0, 1e-9);
}

TEST(Metrics, SsimOfConstantImagesMatchesTheLuminanceTerm) {
    // No variance: SSIM = (2·ma·mb + C1) / (ma² + mb² + C1) everywhere.
    const double ma = 0.3, mb = 0.6, C1 = 1e-4;
    const double expected = (2 * ma * mb + C1) / (ma * ma + mb * mb + C1);
    EXPECT_NEAR(ssim(test::constant(20, 20, 1, float(ma)), test::constant(20, 20, 1, float(mb))), expected, 1e-5);
}

TEST(Metrics, SsimFallsWithNoise) {
    const Image clean = test::gradient(48, 48, 1);
    const double low = ssim(add_gaussian_noise(clean, 0.01, 1), clean);
    const double high = ssim(add_gaussian_noise(clean, 0.2, 1), clean);
    EXPECT_GT(low, high);
    EXPECT_LT(high, 0.3);
    EXPECT_GT(low, 0.5);
}

}  // namespace
}  // namespace lidecm
