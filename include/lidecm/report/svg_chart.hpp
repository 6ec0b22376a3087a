#pragma once
// Line charts as standalone SVG text (axes, ticks, labels, legend), for
// training reports and benchmark plots. No scripts, no fonts beyond the
// generic sans-serif family, so the files render anywhere offline.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace lidecm {

struct ChartSeries {
    std::string name;       ///< legend entry
    std::vector<double> x;  ///< as many values as y; non-finite points are skipped
    std::vector<double> y;
    std::string color;      ///< CSS colour; empty = the next of a fixed palette
};

/// A horizontal band drawn behind the lines (e.g. a parameter's clamp range).
struct ChartBand {
    double y0 = 0, y1 = 0;
    std::string label;
};

struct ChartOptions {
    std::string title;
    std::string x_label;
    std::string y_label;
    int width = 640;                ///< px
    int height = 360;               ///< px
    std::size_t max_points = 1200;  ///< longer series are reduced to min/max per bucket (first and last kept)
    std::optional<double> y_min, y_max;  ///< fixed y range; default: the data's (and the bands')
    std::vector<ChartBand> bands;
};

/// The chart as an SVG document. Throws InvalidArgument for a series whose x and y
/// differ in length or for a size below 200×120 px.
std::string line_chart_svg(const std::vector<ChartSeries>& series, const ChartOptions& options);

/// Vertical bars, one per value, left to right (e.g. codewords sorted by use).
/// Above max_points bars, neighbouring bars are merged (their maximum is drawn).
std::string bar_chart_svg(const std::vector<double>& values, const ChartOptions& options);

/// Indices of the points kept when drawing n points with at most max_points:
/// per bucket the first, the minimum and the maximum; always 0 and n − 1.
std::vector<std::size_t> downsample_indices(const std::vector<double>& y, std::size_t max_points);

/// Text with &, <, >, " escaped for XML and HTML.
std::string xml_escape(const std::string& text);

/// Tick values ("nice" steps of 1, 2 or 5 × 10^k) covering [lo, hi], about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count = 5);

}  // namespace lidecm
