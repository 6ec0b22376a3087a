// Denoising with a model (issue 22): the learned settings round-trip in the model file,
// apply_model uses them unless the caller chose, and refuses models without a prior or of
// another channel count, naming the files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/model_denoising.hpp"
#include "model_files.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

TEST(ModelDenoising, LearnedSettingsRoundTripAndOlderFilesHaveNone) {
    const Model m = test::small_prior_model(3, LearnedDenoising{32, 2.5, 8});
    const Model back = parse_model(serialize_model(m), "m.lidecm");
    ASSERT_TRUE(back.denoising.has_value());
    EXPECT_EQ(back.denoising->global_candidates, 32);
    EXPECT_EQ(back.denoising->gain_db, 2.5);
    EXPECT_EQ(back.denoising->images, 8);
    EXPECT_FALSE(parse_model(serialize_model(test::small_prior_model(3, std::nullopt)), "m.lidecm").denoising.has_value());
}

TEST(ModelDenoising, ThePriorStepsMeasurementRoundTripsAndOlderFilesRunIt) {
    LearnedDenoising learned{32, 2.5, 8};
    learned.prior_gain_db = -0.01;
    learned.use_prior = false;
    const Model back = parse_model(serialize_model(test::small_prior_model(3, learned)), "m.lidecm");
    EXPECT_EQ(back.denoising->prior_gain_db, -0.01);
    EXPECT_FALSE(back.denoising->use_prior);
    // run.json of a model trained before the step was measured: the fields are missing.
    const nlohmann::json older = {{"global_candidates", 32}, {"gain_db", 2.5}, {"images", 8}};
    const LearnedDenoising read = older.get<LearnedDenoising>();
    EXPECT_TRUE(read.use_prior);
    EXPECT_EQ(read.global_candidates, 32);
}

TEST(ModelDenoising, AModelWhoseTrainingMeasuredNoGainSkipsThePriorStep) {
    LearnedDenoising learned{0, 0.0, 8};
    learned.use_prior = false;
    const Model m = test::small_prior_model(1, learned);
    const Image noisy = test::noise_texture(32, 32, 1, 5);
    const ModelDenoised d = denoise_with_model(noisy, m, "m.lidecm", "n.png", DenoiseRequest{});
    EXPECT_NE(d.prior.skipped_because.find("gained nothing"), std::string::npos) << d.prior.skipped_because;
    EXPECT_TRUE(d.prior.candidates.empty());
    EXPECT_EQ(d.denoised.image.data, denoise_image(noisy, DenoiseRequest{}).image.data);
}

TEST(ModelDenoising, AModelOfClassPriorsMixesThemForEachImage) {
    LearnedDenoising learned{0, 0.0, 8};
    learned.prior_tau = 4.0;
    Model m = test::small_prior_model(1, learned);
    const Image smooth = test::gradient(48, 48, 1), rough = test::noise_texture(48, 48, 1, 9, 0.2f, 0.8f);
    m.class_names = {"smooth", "rough"};
    m.class_priors = ClassPriors{{*m.prior, *m.prior},
                                 fit_prior_attention({head_statistics(smooth, 2), head_statistics(rough, 2)}, {0, 1}, 2)};
    RandomStream rng{4};
    Image noisy = smooth;
    for (float& v : noisy.data) v += float(0.1 * rng.normal());
    const ModelDenoised d = denoise_with_model(noisy, m, "m.lidecm", "n.png", DenoiseRequest{});
    EXPECT_FALSE(d.prior.candidates.empty()) << d.prior.skipped_because;
    ASSERT_EQ(d.prior.class_weights.size(), 2U);
    EXPECT_NEAR(d.prior.class_weights[0] + d.prior.class_weights[1], 1.0, 1e-12);
    // Weighed on the filter's output (the noisy image's statistics are the noise's as much).
    const Image filtered = denoise_image(noisy, DenoiseRequest{}).image;
    EXPECT_EQ(d.prior.class_weights, m.class_priors->attention.weights(head_statistics(filtered, 2), 4.0));
    EXPECT_NE(d.prior.class_weights, m.class_priors->attention.weights(head_statistics(noisy, 2), 4.0));
    m.denoising->prior_tau = -1.0;  // the pooled prior: no weights
    EXPECT_TRUE(denoise_with_model(noisy, m, "m.lidecm", "n.png", DenoiseRequest{}).prior.class_weights.empty());
}

TEST(ModelDenoising, TheModelsSettingUnlessTheCallerChose) {
    const Model m = test::small_prior_model(3, LearnedDenoising{32, 2.5, 8});
    const Image image = test::constant(16, 16, 3, 0.5f);
    DenoiseRequest request;
    apply_model(m, "docs.lidecm", image, "page.png", request);
    EXPECT_EQ(request.global_candidates, 32);
    request.global_candidates = 4;
    apply_model(m, "docs.lidecm", image, "page.png", request, true);
    EXPECT_EQ(request.global_candidates, 4);
    DenoiseRequest local;
    apply_model(test::small_prior_model(3, LearnedDenoising{0, -0.1, 8}), "photos.lidecm", image, "p.png", local);
    EXPECT_EQ(local.global_candidates, 0);
}

TEST(ModelDenoising, AModelWithoutAPriorIsRefusedByName) {
    Model m = test::small_prior_model(3, LearnedDenoising{32, 2.5, 8});
    m.prior.reset();
    m.denoising.reset();
    DenoiseRequest request;
    try {
        apply_model(m, "old.lidecm", test::constant(16, 16, 3, 0.5f), "page.png", request);
        FAIL() << "accepted";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("old.lidecm"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no patch prior"), std::string::npos) << e.what();
    }
}

TEST(ModelDenoising, AnotherChannelCountIsRefusedNamingBothFiles) {
    DenoiseRequest request;
    try {
        apply_model(test::small_prior_model(1, LearnedDenoising{32, 2.5, 8}), "grey.lidecm", test::constant(16, 16, 3, 0.5f),
                    "colour.png", request);
        FAIL() << "accepted";
    } catch (const InvalidArgument& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("grey.lidecm"), std::string::npos) << m;
        EXPECT_NE(m.find("colour.png"), std::string::npos) << m;
    }
}

}  // namespace
}  // namespace lidecm
