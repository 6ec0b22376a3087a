// The collaborative filter's whole-image candidates (CollaborativeOptions::global_candidates).
#include <omp.h>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/self_tune.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/image/noise.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

/// A flat page with one random 12×12 "glyph" stamped at 9 places 60 px apart: every
/// copy is farther from the others than a search radius of 8 reaches.
Image stamped_page() {
    Image page = test::constant(180, 180, 1, 0.9f);
    const Image glyph = test::noise_texture(12, 12, 1, 3, 0.0f, 0.6f);
    for (int by = 0; by < 3; ++by) {
        for (int bx = 0; bx < 3; ++bx) {
            for (int y = 0; y < 12; ++y) {
                for (int x = 0; x < 12; ++x) page.at(20 + 60 * by + y, 20 + 60 * bx + x, 0) = glyph.at(y, x, 0);
            }
        }
    }
    return page;
}

CollaborativeOptions window_only(double sigma255) {
    CollaborativeOptions o;
    o.noise_sigma = sigma255 / 255.0;
    o.search_radius = 8;
    return o;
}

TEST(GlobalMatching, FarRepeatsDenoiseBetterThanTheWindowAlone) {
    const Image clean = stamped_page();
    const Image noisy = add_gaussian_noise(clean, 25.0 / 255.0, 5, false);
    CollaborativeOptions global = window_only(25);
    global.global_candidates = 32;
    const double local_db = psnr(collaborative_denoise(noisy, window_only(25)).image, clean);
    const double global_db = psnr(collaborative_denoise(noisy, global).image, clean);
    // Nine noisy copies of each glyph patch average the noise down by ~3x more than one.
    EXPECT_GT(global_db, local_db + 1.0) << "window " << local_db << " dB, global " << global_db << " dB";
}

TEST(GlobalMatching, OneThreadEqualsTwoBitForBit) {
    const Image noisy = add_gaussian_noise(test::colour_blobs(70, 90), 20.0 / 255.0, 11);
    CollaborativeOptions o = window_only(20);
    o.global_candidates = 16;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const Image one = collaborative_denoise(noisy, o).image;
    omp_set_num_threads(2);
    const Image two = collaborative_denoise(noisy, o).image;
    omp_set_num_threads(saved);
    EXPECT_EQ(one.data, two.data);
}

TEST(GlobalMatching, CandidateCountOutOfRangeIsRefusedByName) {
    CollaborativeOptions o = window_only(20);
    for (const int bad : {-1, 257}) {
        o.global_candidates = bad;
        try {
            o.validate();
            FAIL() << bad << " accepted";
        } catch (const InvalidArgument& e) {
            EXPECT_NE(std::string(e.what()).find("global_candidates"), std::string::npos) << e.what();
        }
    }
}

TEST(GlobalMatching, SelfTuningEvaluationCandidatesOutOfRangeAreRefusedByName) {
    SelfTuneOptions o;
    o.eval_global_candidates = 257;
    EXPECT_THROW(
        {
            try {
                o.validate();
            } catch (const InvalidArgument& e) {
                EXPECT_NE(std::string(e.what()).find("eval_global_candidates"), std::string::npos) << e.what();
                throw;
            }
        },
        InvalidArgument);
}

// Self-tuning with whole-image groups keeps their gain on far repeats (its evaluations
// rank strengths with the window alone, the final run uses them).
TEST(GlobalMatching, SelfTunedKeepsTheGainOfFarRepeats) {
    const Image clean = stamped_page();
    const Image noisy = add_gaussian_noise(clean, 25.0 / 255.0, 6, false);
    CollaborativeOptions global = window_only(25);
    global.global_candidates = 32;
    const double local_db = psnr(self_tuned_denoise(noisy, window_only(25)).result.image, clean);
    const double global_db = psnr(self_tuned_denoise(noisy, global).result.image, clean);
    EXPECT_GT(global_db, local_db + 1.0) << "window " << local_db << " dB, global " << global_db << " dB";
}

}  // namespace
}  // namespace lidecm
