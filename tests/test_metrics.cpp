// metrics.jsonl lines: round trip, and lines that must be refused quietly.
#include <gtest/gtest.h>

#include "lidecm/train/metrics.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

TEST(MetricsLines, RoundTrip) {
    BatchMetrics b;
    b.epoch = 2;
    b.step = 17;
    b.loss = 0.25;
    b.attention.spatial = 0.4;
    b.timings.learner = 0.001;
    const auto parsed = parse_metrics_line(to_json_line(b));
    ASSERT_TRUE(parsed && parsed->batch);
    EXPECT_EQ(parsed->batch->step, 17u);
    EXPECT_EQ(parsed->batch->loss, 0.25);
    EXPECT_EQ(parsed->batch->attention.spatial, 0.4);
    EpochMetrics e;
    e.val_psnr_refined = 23.5;
    const auto pe = parse_metrics_line(to_json_line(e));
    ASSERT_TRUE(pe && pe->epoch);
    EXPECT_EQ(pe->epoch->val_psnr_refined, 23.5);
}

TEST(MetricsLines, BrokenLinesAreRefusedWithoutThrowing) {
    for (const char* line : {"", "{", "[]", "null", "{\"type\":7}", "{\"type\":\"other\"}", "{\"type\":\"batch\",\"step\":\"x\"}",
                             "{\"type\":\"batch\",\"st"}) {
        EXPECT_FALSE(parse_metrics_line(line)) << line;
    }
}

// Regression: fuzz_metrics found that a float too large for an integer field
// ({"batch": 9.97e23}) reached nlohmann's static_cast (undefined behaviour,
// reported by UBSan). Such lines are now refused; the sanitizer build checks it.
TEST(MetricsLines, FloatsOutOfIntegerRangeAreRefused) {
    EXPECT_FALSE(parse_metrics_line("{\"type\":\"batch\",\"batch\":997861862188988157484231}"));
    EXPECT_FALSE(parse_metrics_line("{\"type\":\"epoch\",\"epoch\":-3e12}"));
    EXPECT_FALSE(parse_metrics_line("{\"type\":\"batch\",\"step\":1e400}"));
    const auto bytes = test::read_file(LIDECM_FUZZ_CORPUS "/fuzz_metrics/regression-float-to-integer.json");
    EXPECT_FALSE(parse_metrics_line(std::string(bytes.begin(), bytes.end())));
    EXPECT_TRUE(parse_metrics_line("{\"type\":\"batch\",\"batch\":3.0,\"loss\":0.5}"));  // in range: fine
}

TEST(EpochSums, MeansAreTheBatchAverages) {
    BatchMetrics a, b;
    a.loss = 1.0, b.loss = 2.0;
    a.psnr_refined = 20.0, b.psnr_refined = 23.0;
    a.quant_mse = 0.01, b.quant_mse = 0.03;
    a.attention = {0.1, 0.2, 0.3, 0.4};
    b.attention = {0.4, 0.3, 0.2, 0.1};
    EpochSums sums;
    sums.add(a);
    sums.add(b);
    EpochMetrics e;
    sums.write_means(2, e);
    EXPECT_DOUBLE_EQ(e.loss, 1.5);
    EXPECT_DOUBLE_EQ(e.psnr_refined, 21.5);
    EXPECT_DOUBLE_EQ(e.quant_mse, 0.02);
    EXPECT_DOUBLE_EQ(e.attention.texture, 0.25);
    EXPECT_DOUBLE_EQ(e.attention.spatial, 0.25);
    EpochMetrics untouched;
    untouched.loss = 7;
    EpochSums{}.write_means(0, untouched);
    EXPECT_EQ(untouched.loss, 7) << "no batches: no means";
}

}  // namespace
}  // namespace lidecm
