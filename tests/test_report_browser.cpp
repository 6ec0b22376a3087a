// The training report rendered by a real browser (headless Chromium): the DOM
// after the page's load script ran, and a screenshot.
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/report/report.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

using test::count_of;

// Headless Chromium as root, with nothing that reaches the network and a fresh profile.
std::string chromium(const std::string& profile, const std::string& args) {
    return std::string(LIDECM_CHROMIUM) +
           " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking"
           " --disable-component-update --disable-sync --hide-scrollbars --user-data-dir=" + profile + " " + args;
}

TEST(ReportInBrowser, RendersChartsImagesAndNoBrokenValues) {
    const std::string dir = test::temp_dir("browser");
    const std::string run = test::tiny_run(dir);
    const RunReportSummary summary = write_run_report(run, run + "/report.html");
    const std::string url = "file://" + fs::absolute(run + "/report.html").string();

    const std::string dom_file = dir + "/dom.html";
    ASSERT_EQ(std::system((chromium(dir + "/profile1", "--virtual-time-budget=5000 --dump-dom " + url) + " >" +
                           dom_file + " 2>" + dir + "/chromium.err")
                              .c_str()),
              0)
        << test::slurp(dir + "/chromium.err");
    const std::string dom = test::slurp(dom_file);
    EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's load script did not run";
    EXPECT_EQ(count_of(dom, "<svg"), summary.charts);
    EXPECT_EQ(summary.charts, 10u);
    // Every series path has points.
    const std::string key = "class=\"series\" d=\"";
    std::size_t paths = 0;
    for (std::size_t p = dom.find(key); p != std::string::npos; p = dom.find(key, p + 1), ++paths) {
        EXPECT_EQ(dom.compare(p + key.size(), 1, "M"), 0) << "empty series path";
    }
    EXPECT_GE(paths, summary.charts);
    // No broken numbers in the text (the base64 image data left out).
    std::string text;
    std::size_t from = 0;
    for (std::size_t p = dom.find("base64,"); p != std::string::npos; p = dom.find("base64,", from)) {
        text += dom.substr(from, p - from);
        from = dom.find('"', p);
    }
    text += dom.substr(from);
    EXPECT_EQ(text.find("NaN"), std::string::npos);
    EXPECT_EQ(text.find("undefined"), std::string::npos);
    // The embedded sample grid decoded.
    const std::string width_key = "data-natural-width=\"";
    const std::size_t w = dom.find(width_key);
    ASSERT_NE(w, std::string::npos) << "no image reported its size";
    EXPECT_GT(std::stoi(dom.substr(w + width_key.size())), 0);

    const std::string shot = dir + "/report.png";
    ASSERT_EQ(std::system((chromium(dir + "/profile2", "--window-size=1360,2200 --screenshot=" + shot + " " + url) +
                           " >/dev/null 2>" + dir + "/chromium2.err")
                              .c_str()),
              0)
        << test::slurp(dir + "/chromium2.err");
    const Image png = load_image(shot);
    EXPECT_EQ(png.width, 1360);
    double mean = 0, var = 0;
    for (float v : png.data) mean += v;
    mean /= double(png.size());
    for (float v : png.data) var += (v - mean) * (v - mean);
    EXPECT_GT(std::sqrt(var / double(png.size())), 0.05) << "the screenshot is blank";
    if (const char* keep = std::getenv("LIDECM_REPORT_SCREENSHOT")) fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace lidecm
