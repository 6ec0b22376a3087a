// HTML reports: charts, tables, embedded images, robustness to broken metrics.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/report/report.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

using test::count_of;

// The page without the base64 image data (which may contain any letters).
// (Not std::regex: libstdc++'s recursive matcher overflows the stack on 200 KB.)
std::string without_images(const std::string& html) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t p = html.find("base64,"); p != std::string::npos; p = html.find("base64,", from)) {
        out += html.substr(from, p + 7 - from);
        from = html.find('"', p);
    }
    return out + html.substr(from);
}

// The d attributes of the series paths.
std::vector<std::string> series_paths(const std::string& html) {
    std::vector<std::string> out;
    const std::string key = "<path class=\"series\" d=\"";
    for (std::size_t p = html.find(key); p != std::string::npos; p = html.find(key, p + 1)) {
        const std::size_t start = p + key.size();
        out.push_back(html.substr(start, html.find('"', start) - start));
    }
    return out;
}

class Report : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir = new std::string(test::temp_dir("report"));
        run = new std::string(test::tiny_run(*dir));
    }
    static void TearDownTestSuite() {
        fs::remove_all(*dir);
        delete dir;
        delete run;
    }
    static std::string* dir;
    static std::string* run;
};
std::string* Report::dir = nullptr;
std::string* Report::run = nullptr;

TEST_F(Report, HasEveryChartTableAndTheEmbeddedGrid) {
    RunReportSummary s;
    const std::string html = run_report_html(*run, {}, &s);
    EXPECT_EQ(s.batches, 9u);
    EXPECT_EQ(s.epochs, 3u);
    EXPECT_EQ(s.charts, 10u);  // with the risk rule's attention spread across images and the data pipeline
    EXPECT_EQ(count_of(html, "<figure class=\"chart\">"), 10u);
    EXPECT_EQ(count_of(html, "<svg"), 10u);
    EXPECT_NE(html.find("Attention spread across images"), std::string::npos);
    EXPECT_NE(html.find("Time per batch"), std::string::npos);
    EXPECT_NE(html.find("% of steps + waits"), std::string::npos);
    EXPECT_NE(html.find("learner: attention (risk rule"), std::string::npos);
    const std::string text = without_images(html);
    for (const char* bad : {"NaN", "nan", "undefined", "inf"}) EXPECT_EQ(text.find(bad), std::string::npos) << bad;
    const auto paths = series_paths(html);
    EXPECT_GE(paths.size(), 8u);
    for (const auto& d : paths) EXPECT_EQ(d.rfind("M", 0), 0u) << "an empty series";
    EXPECT_NE(html.find("<td>smooth</td>"), std::string::npos);
    EXPECT_NE(html.find("<td>texture</td>"), std::string::npos);
    EXPECT_NE(html.find("noisy inputs"), std::string::npos);
    EXPECT_NE(html.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos);  // a PNG signature
    EXPECT_NE(html.find("clamp range"), std::string::npos);
    // The patch prior (the tiny run's default 20 Gaussians): its eigen-patches, embedded.
    EXPECT_NE(html.find("2 Gaussians over 8×8×3 patches"), std::string::npos);
    EXPECT_NE(html.find("alt=\"patch prior eigen-patches\" src=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);
    // What training measured for `denoise --model`.
    EXPECT_NE(html.find("Denoising with this model"), std::string::npos);
    EXPECT_NE(html.find("the prior's step"), std::string::npos);
    EXPECT_EQ(count_of(text, "http"), count_of(text, "http://www.w3.org/2000/svg"));  // only the SVG namespace
    EXPECT_EQ(html.find("<script src"), std::string::npos);  // nothing external
    EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST_F(Report, MalformedMetricsLinesAreSkippedAndCounted) {
    const std::string copy = *dir + "/broken";
    fs::create_directories(copy);
    for (const char* f : {"model.lidecm", "metrics.jsonl"}) fs::copy_file(*run + "/" + f, copy + "/" + f);
    {
        std::ofstream out(copy + "/metrics.jsonl", std::ios::app);
        out << "{\"type\":\"batch\",\"loss\":\"oops\"}\nnot json at all\n{\"type\":\"batch\",\"st";  // killed mid-write
    }
    RunReportSummary s;
    const std::string html = run_report_html(copy, {}, &s);
    EXPECT_EQ(s.skipped_lines, 3u);
    EXPECT_EQ(s.batches, 9u);
    EXPECT_NE(html.find("3 malformed line(s) skipped"), std::string::npos);
    EXPECT_EQ(html.find("Validation samples"), std::string::npos);  // no samples.png copied: no section, no crash
}

TEST_F(Report, WithoutAPriorItSaysWhy) {
    const std::string copy = *dir + "/no_prior";
    fs::create_directories(copy);
    fs::copy_file(*run + "/metrics.jsonl", copy + "/metrics.jsonl");
    Model m = load_model(*run + "/model.lidecm");
    m.prior.reset();
    m.class_priors.reset();
    m.denoising.reset();
    m.config.prior_components = 0;
    save_model(m, copy + "/model.lidecm");
    const std::string html = run_report_html(copy);
    EXPECT_NE(html.find("No patch prior: trained with --prior-components 0"), std::string::npos);
    EXPECT_EQ(html.find("eigen-patches\""), std::string::npos);
}

TEST_F(Report, LongRunsAreDownsampledKeepingBothEnds) {
    const std::string big = *dir + "/big";
    fs::create_directories(big);
    fs::copy_file(*run + "/model.lidecm", big + "/model.lidecm");
    {
        std::ofstream out(big + "/metrics.jsonl");
        for (std::uint64_t step = 1; step <= 100000; ++step) {
            BatchMetrics m;
            m.step = step;
            m.epoch = int(step / 1000);
            m.loss = 0.3 + 0.1 * std::sin(double(step) / 500.0);
            m.sigma = 0.2;
            m.tau = 0.1;
            out << to_json_line(m) << "\n";
        }
    }
    RunReportSummary s;
    const std::string html = run_report_html(big, {}, &s);
    EXPECT_EQ(s.batches, 100000u);
    EXPECT_LT(html.size(), 2'000'000u);  // a page a browser opens at once
    for (const std::string& d : series_paths(html)) EXPECT_LE(count_of(d, " L"), 1300u);
    EXPECT_NE(html.find(">100000<") == std::string::npos ? html.find(">1e+05<") : html.find(">100000<"),
              std::string::npos);  // the x axis reaches the last batch
}

TEST_F(Report, MissingRunIsAnIoError) {
    EXPECT_THROW(run_report_html(*dir + "/nothing"), IoError);
}

TEST(Base64, MatchesTheRfcVectors) {
    auto b = [](const std::string& s) { return base64(std::vector<unsigned char>(s.begin(), s.end())); };
    EXPECT_EQ(b(""), "");
    EXPECT_EQ(b("f"), "Zg==");
    EXPECT_EQ(b("fo"), "Zm8=");
    EXPECT_EQ(b("foo"), "Zm9v");
    EXPECT_EQ(b("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace lidecm
