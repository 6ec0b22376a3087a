#pragma once
// Internal: the page every HTML report is built on (style, script, tables, charts).
#include <cstddef>
#include <cstdio>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "lidecm/report/report.hpp"
#include "lidecm/report/svg_chart.hpp"

namespace lidecm::detail {

inline constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:1320px;margin:24px auto;padding:0 12px;color:#222}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}"
    "figure.chart{display:inline-block;margin:6px;vertical-align:top}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 9px}"
    "td.n{text-align:right}.note{color:#666;font-size:13px}img.grid{max-width:100%;image-rendering:pixelated}";

// Writes the natural size of every image into the DOM once loaded, so a test
// (or a reader) can see that the embedded images decoded.
inline constexpr const char* kScript =
    "<script>window.addEventListener('load',function(){"
    "document.querySelectorAll('img').forEach(function(i){i.setAttribute('data-natural-width',i.naturalWidth);});"
    "document.body.setAttribute('data-ready','1');});</script>";

inline std::string fmt(double v, int decimals = 4) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

class Page {
public:
    explicit Page(const std::string& title) { head_ = title; }
    void heading(const std::string& text) { body_ << "<h2>" << xml_escape(text) << "</h2>\n"; }
    void html(const std::string& raw) { body_ << raw; }
    void chart(const std::string& svg, const std::string& caption) {
        body_ << "<figure class=\"chart\">" << svg << "<figcaption class=\"note\">" << xml_escape(caption)
              << "</figcaption></figure>\n";
        ++charts_;
    }
    void rows(const std::vector<std::pair<std::string, std::string>>& kv) {
        body_ << "<table>";
        for (const auto& [k, v] : kv) body_ << "<tr><th>" << xml_escape(k) << "</th><td>" << xml_escape(v) << "</td></tr>";
        body_ << "</table>\n";
    }
    [[nodiscard]] std::size_t charts() const { return charts_; }
    [[nodiscard]] std::string str() const {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + xml_escape(head_) +
               "</title><style>" + kStyle + "</style></head>\n<body>\n<h1>" + xml_escape(head_) + "</h1>\n" +
               body_.str() + kScript + "\n</body></html>\n";
    }

private:
    std::string head_;
    std::ostringstream body_;
    std::size_t charts_ = 0;
};

inline ChartOptions chart(const std::string& title, const std::string& x, const std::string& y, const ReportOptions& r) {
    ChartOptions o;
    o.title = title;
    o.x_label = x;
    o.y_label = y;
    o.max_points = r.max_points;
    return o;
}

}  // namespace lidecm::detail
