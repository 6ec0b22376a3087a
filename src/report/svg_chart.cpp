#include "lidecm/report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

std::string number(double v) {
    char buf[32];
    if (v != 0 && (std::fabs(v) >= 1e5 || std::fabs(v) < 1e-3)) {
        std::snprintf(buf, sizeof buf, "%.3g", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.6g", v);
    }
    return buf;
}

struct Range {
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    void settle() {
        if (!std::isfinite(lo)) lo = 0, hi = 1;
        if (hi - lo < 1e-12) {
            const double pad = std::max(1e-6, std::fabs(lo) * 0.05);
            lo -= pad;
            hi += pad;
        }
    }
};

// Plot area inside the margins (the legend, if any, goes below the x labels).
struct Frame {
    double left = 64, right = 16, top = 0, bottom = 48, width = 0, height = 0;
    Range y;
    [[nodiscard]] double py(double v) const {
        return top + (1 - (std::clamp(v, y.lo, y.hi) - y.lo) / (y.hi - y.lo)) * height;
    }
};

Frame frame_for(const ChartOptions& o, const Range& y, double legend_height) {
    Frame f;
    f.top = o.title.empty() ? 16 : 32;
    f.width = o.width - f.left - f.right;
    f.height = o.height - f.top - f.bottom - legend_height;
    f.y = y;
    return f;
}

void begin_svg(std::ostringstream& svg, const ChartOptions& o) {
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << o.height
        << "\" viewBox=\"0 0 " << o.width << ' ' << o.height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    if (!o.title.empty()) {
        svg << "<text x=\"" << o.width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
            << xml_escape(o.title) << "</text>\n";
    }
}

void y_grid(std::ostringstream& svg, const Frame& f) {
    for (double t : nice_ticks(f.y.lo, f.y.hi)) {
        svg << "<line x1=\"" << f.left << "\" x2=\"" << f.left + f.width << "\" y1=\"" << f.py(t) << "\" y2=\""
            << f.py(t) << "\" stroke=\"#e0e0e0\"/><text x=\"" << f.left - 4 << "\" y=\"" << f.py(t) + 4
            << "\" text-anchor=\"end\">" << number(t) << "</text>\n";
    }
}

// x ticks at the values `ticks`, placed by `px`; the frame and both axis labels.
template <class Px>
void x_axis_and_frame(std::ostringstream& svg, const Frame& f, const ChartOptions& o, const std::vector<double>& ticks,
                      Px px) {
    for (double t : ticks) {
        svg << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << f.top + f.height << "\" y2=\""
            << f.top + f.height + 4 << "\" stroke=\"#333\"/><text x=\"" << px(t) << "\" y=\"" << f.top + f.height + 16
            << "\" text-anchor=\"middle\">" << number(t) << "</text>\n";
    }
    svg << "<rect x=\"" << f.left << "\" y=\"" << f.top << "\" width=\"" << f.width << "\" height=\"" << f.height
        << "\" fill=\"none\" stroke=\"#333\"/>\n";
    svg << "<text x=\"" << f.left + f.width / 2 << "\" y=\"" << f.top + f.height + 32 << "\" text-anchor=\"middle\">"
        << xml_escape(o.x_label) << "</text>\n";
    svg << "<text transform=\"translate(14," << f.top + f.height / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
        << xml_escape(o.y_label) << "</text>\n";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
    if (!(hi > lo) || count < 1) return {lo};
    const double raw = (hi - lo) / count;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double f : {1.0, 2.0, 5.0, 10.0}) {
        step = f * mag;
        if (step >= raw) break;
    }
    std::vector<double> ticks;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
        ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    }
    return ticks;
}

std::vector<std::size_t> downsample_indices(const std::vector<double>& y, std::size_t max_points) {
    const std::size_t n = y.size();
    std::vector<std::size_t> keep;
    if (n <= std::max<std::size_t>(max_points, 3)) {
        for (std::size_t i = 0; i < n; ++i) keep.push_back(i);
        return keep;
    }
    const std::size_t buckets = std::max<std::size_t>(1, max_points / 3);
    keep.push_back(0);
    for (std::size_t b = 0; b < buckets; ++b) {
        const std::size_t first = 1 + b * (n - 2) / buckets, last = 1 + (b + 1) * (n - 2) / buckets;
        if (first >= last) continue;
        std::size_t lo = first, hi = first;
        for (std::size_t i = first; i < last; ++i) {
            if (y[i] < y[lo]) lo = i;
            if (y[i] > y[hi]) hi = i;
        }
        for (std::size_t i : {first, std::min(lo, hi), std::max(lo, hi)}) {
            if (i > keep.back()) keep.push_back(i);
        }
    }
    keep.push_back(n - 1);
    return keep;
}

std::string line_chart_svg(const std::vector<ChartSeries>& series, const ChartOptions& o) {
    require(o.width >= 200 && o.height >= 120, "chart", "must be at least 200×120 px");
    Range xr, yr;
    for (const auto& s : series) {
        require(s.x.size() == s.y.size(), "chart", "series '" + s.name + "' has " + std::to_string(s.x.size()) +
                                                       " x values and " + std::to_string(s.y.size()) + " y values");
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            xr.add(s.x[i]);
            yr.add(s.y[i]);
        }
    }
    for (const auto& b : o.bands) {
        yr.add(b.y0);
        yr.add(b.y1);
    }
    if (o.y_min) yr.lo = *o.y_min;
    if (o.y_max) yr.hi = *o.y_max;
    xr.settle();
    yr.settle();
    const Frame f = frame_for(o, yr, 18.0 * double((series.size() + 2) / 3));
    auto px = [&](double x) { return f.left + (x - xr.lo) / (xr.hi - xr.lo) * f.width; };
    auto py = [&](double y) { return f.py(y); };
    const double left = f.left, top = f.top, pw = f.width, ph = f.height, bottom = f.bottom;
    std::ostringstream svg;
    begin_svg(svg, o);
    for (const auto& b : o.bands) {
        const double y0 = py(std::max(b.y0, b.y1)), y1 = py(std::min(b.y0, b.y1));
        svg << "<rect class=\"band\" x=\"" << left << "\" y=\"" << y0 << "\" width=\"" << pw << "\" height=\""
            << std::max(0.5, y1 - y0) << "\" fill=\"#eeeeee\"/>\n";
        if (!b.label.empty()) {
            svg << "<text x=\"" << left + pw - 4 << "\" y=\"" << y0 + 11 << "\" text-anchor=\"end\" fill=\"#888\">"
                << xml_escape(b.label) << "</text>\n";
        }
    }
    y_grid(svg, f);
    x_axis_and_frame(svg, f, o, nice_ticks(xr.lo, xr.hi), px);
    std::size_t palette = 0;
    for (std::size_t k = 0; k < series.size(); ++k) {
        const auto& s = series[k];
        const std::string color = s.color.empty() ? kPalette[palette++ % std::size(kPalette)] : s.color;
        std::vector<double> ys;
        std::vector<std::size_t> finite;
        for (std::size_t i = 0; i < s.y.size(); ++i) {
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) finite.push_back(i), ys.push_back(s.y[i]);
        }
        std::ostringstream d;
        for (std::size_t j : downsample_indices(ys, o.max_points)) {
            const std::size_t i = finite[j];
            d << (d.tellp() == 0 ? "M" : " L") << px(s.x[i]) << ',' << py(s.y[i]);
        }
        if (finite.size() == 1) d << " l0.01,0";  // one point still shows (round caps)
        svg << "<path class=\"series\" d=\"" << d.str() << "\" fill=\"none\" stroke=\"" << color
            << "\" stroke-width=\"1.5\" stroke-linecap=\"round\"><title>" << xml_escape(s.name) << "</title></path>\n";
        const double lx = left + double(k % 3) * (pw / 3), ly = top + ph + bottom + 13 + 18.0 * double(k / 3);
        svg << "<line x1=\"" << lx << "\" x2=\"" << lx + 18 << "\" y1=\"" << ly - 4 << "\" y2=\"" << ly - 4
            << "\" stroke=\"" << color << "\" stroke-width=\"3\"/><text x=\"" << lx + 22 << "\" y=\"" << ly << "\">"
            << xml_escape(s.name) << "</text>\n";
    }
    svg << "</svg>\n";
    return svg.str();
}

std::string bar_chart_svg(const std::vector<double>& values, const ChartOptions& o) {
    require(o.width >= 200 && o.height >= 120, "chart", "must be at least 200×120 px");
    const std::size_t bins = std::max<std::size_t>(1, std::min(values.size(), std::max<std::size_t>(o.max_points / 3, 1)));
    std::vector<double> bars(bins, 0.0);
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::size_t b = i * bins / values.size();
        if (std::isfinite(values[i])) bars[b] = std::max(bars[b], values[i]);
    }
    Range yr;
    yr.add(0);
    for (double v : bars) yr.add(v);
    if (o.y_max) yr.hi = *o.y_max;
    yr.settle();
    const Frame f = frame_for(o, yr, 0);
    const double left = f.left, top = f.top, pw = f.width, ph = f.height;
    auto py = [&](double y) { return f.py(y); };
    std::ostringstream svg;
    begin_svg(svg, o);
    y_grid(svg, f);
    const double w = pw / double(bins);
    std::ostringstream d;  // one path of rectangles: small documents even for 65,536 codewords
    for (std::size_t b = 0; b < bins; ++b) {
        const double y = py(bars[b]);
        d << 'M' << left + w * double(b) << ',' << top + ph << " V" << y << " h" << std::max(w * 0.9, 0.5) << " V"
          << top + ph << 'Z';
    }
    svg << "<path class=\"series\" d=\"" << d.str() << "\" fill=\"#1f77b4\"/>\n";
    const double n = double(std::max<std::size_t>(values.size(), 1));
    x_axis_and_frame(svg, f, o, nice_ticks(0, n), [&](double t) { return left + t / n * pw; });
    svg << "</svg>\n";
    return svg.str();
}

}  // namespace lidecm
