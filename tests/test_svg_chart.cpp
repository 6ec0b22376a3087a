// SVG line charts: ticks, downsampling and the document.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/report/svg_chart.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

using test::count_of;

TEST(SvgChart, NiceTicksAreRoundStepsInsideTheRange) {
    const auto unit = nice_ticks(0, 1, 5);
    ASSERT_EQ(unit.size(), 6u);
    for (std::size_t i = 0; i < unit.size(); ++i) EXPECT_NEAR(unit[i], 0.2 * double(i), 1e-12);
    const auto t = nice_ticks(0.013, 0.047, 4);
    ASSERT_GE(t.size(), 3u);
    EXPECT_NEAR(t[1] - t[0], 0.01, 1e-12);
    EXPECT_GE(t.front(), 0.013);
    EXPECT_LE(t.back(), 0.047);
}

TEST(SvgChart, DownsamplingKeepsEndsAndExtremes) {
    std::vector<double> y(100000);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::sin(double(i) * 0.001);
    y[5000] = 50;    // a spike must survive
    y[70000] = -50;
    const auto keep = downsample_indices(y, 600);
    EXPECT_LE(keep.size(), 602u);
    EXPECT_EQ(keep.front(), 0u);
    EXPECT_EQ(keep.back(), y.size() - 1);
    EXPECT_TRUE(std::is_sorted(keep.begin(), keep.end()));
    EXPECT_NE(std::find(keep.begin(), keep.end(), 5000u), keep.end());
    EXPECT_NE(std::find(keep.begin(), keep.end(), 70000u), keep.end());
    EXPECT_EQ(downsample_indices({1, 2, 3}, 600).size(), 3u);
}

TEST(SvgChart, DrawsEverySeriesWithALegendAndNoNan) {
    ChartSeries a{"sigma", {0, 1, 2, 3}, {0.3, 0.31, std::nan(""), 0.29}, ""};
    ChartSeries b{"tau", {0, 1, 2, 3}, {0.1, 0.11, 0.12, 0.1}, "#000"};
    ChartOptions o;
    o.title = "parameters <&>";
    o.x_label = "batch";
    o.y_label = "value";
    o.bands.push_back({0.1, 0.5, "sigma range"});
    const std::string svg = line_chart_svg({a, b}, o);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_EQ(count_of(svg, "class=\"series\""), 2u);
    EXPECT_EQ(count_of(svg, "class=\"band\""), 1u);
    EXPECT_NE(svg.find("parameters &lt;&amp;&gt;"), std::string::npos);
    EXPECT_NE(svg.find(">sigma</text>"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(SvgChart, OnePointAndConstantSeriesStillDraw) {
    const std::string one = line_chart_svg({{"x", {5}, {2}, ""}}, {});
    EXPECT_NE(one.find("d=\"M"), std::string::npos);
    const std::string flat = line_chart_svg({{"x", {0, 1}, {3, 3}, ""}}, {});
    EXPECT_EQ(flat.find("nan"), std::string::npos);
}

TEST(SvgChart, RefusesMismatchedSeriesAndTinySizes) {
    EXPECT_THROW(line_chart_svg({{"x", {1, 2}, {1}, ""}}, {}), InvalidArgument);
    ChartOptions tiny;
    tiny.width = 50;
    EXPECT_THROW(line_chart_svg({}, tiny), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
