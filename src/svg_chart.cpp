#include "lidecm/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "lidecm/error.hpp"

namespace lidecm {
namespace {

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string escape(const std::string& text) {
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
    const double left = 64, right = 16, top = o.title.empty() ? 16 : 32, bottom = 48;
    const double legend_h = 18.0 * double((series.size() + 2) / 3);
    const double pw = o.width - left - right, ph = o.height - top - bottom - legend_h;
    auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
    auto py = [&](double y) { return top + (1 - (std::clamp(y, yr.lo, yr.hi) - yr.lo) / (yr.hi - yr.lo)) * ph; };
    std::ostringstream svg;
    svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << o.height
        << "\" viewBox=\"0 0 " << o.width << ' ' << o.height << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    if (!o.title.empty()) {
        svg << "<text x=\"" << o.width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">"
            << escape(o.title) << "</text>\n";
    }
    for (const auto& b : o.bands) {
        const double y0 = py(std::max(b.y0, b.y1)), y1 = py(std::min(b.y0, b.y1));
        svg << "<rect class=\"band\" x=\"" << left << "\" y=\"" << y0 << "\" width=\"" << pw << "\" height=\""
            << std::max(0.5, y1 - y0) << "\" fill=\"#eeeeee\"/>\n";
        if (!b.label.empty()) {
            svg << "<text x=\"" << left + pw - 4 << "\" y=\"" << y0 + 11 << "\" text-anchor=\"end\" fill=\"#888\">"
                << escape(b.label) << "</text>\n";
        }
    }
    for (double t : nice_ticks(yr.lo, yr.hi)) {
        svg << "<line x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << py(t) << "\" y2=\"" << py(t)
            << "\" stroke=\"#e0e0e0\"/><text x=\"" << left - 4 << "\" y=\"" << py(t) + 4
            << "\" text-anchor=\"end\">" << number(t) << "</text>\n";
    }
    for (double t : nice_ticks(xr.lo, xr.hi)) {
        svg << "<line x1=\"" << px(t) << "\" x2=\"" << px(t) << "\" y1=\"" << top + ph << "\" y2=\"" << top + ph + 4
            << "\" stroke=\"#333\"/><text x=\"" << px(t) << "\" y=\"" << top + ph + 16 << "\" text-anchor=\"middle\">"
            << number(t) << "</text>\n";
    }
    svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
        << "\" fill=\"none\" stroke=\"#333\"/>\n";
    svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << top + ph + 32 << "\" text-anchor=\"middle\">"
        << escape(o.x_label) << "</text>\n";
    svg << "<text transform=\"translate(14," << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">"
        << escape(o.y_label) << "</text>\n";
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
            << "\" stroke-width=\"1.5\" stroke-linecap=\"round\"><title>" << escape(s.name) << "</title></path>\n";
        const double lx = left + double(k % 3) * (pw / 3), ly = top + ph + bottom + 13 + 18.0 * double(k / 3);
        svg << "<line x1=\"" << lx << "\" x2=\"" << lx + 18 << "\" y1=\"" << ly - 4 << "\" y2=\"" << ly - 4
            << "\" stroke=\"" << color << "\" stroke-width=\"3\"/><text x=\"" << lx + 22 << "\" y=\"" << ly << "\">"
            << escape(s.name) << "</text>\n";
    }
    svg << "</svg>\n";
    return svg.str();
}

}  // namespace lidecm
