#include "lidecm/image/image_grid.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "lidecm/core/error.hpp"
#include "image/mat_view.hpp"

namespace lidecm {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kFontScale = 0.45;

int text_width(const std::string& text) {
    int baseline = 0;
    return cv::getTextSize(text, kFont, kFontScale, 1, &baseline).width;
}

}  // namespace

Image make_grid(const std::vector<GridRow>& rows, const GridOptions& options) {
    require(options.scale >= 0, "grid scale", "must be >= 0");
    require(options.padding >= 0, "grid padding", "must be >= 0");
    require(options.label_width >= 0, "grid label width", "must be >= 0");
    const Image* first = nullptr;
    std::size_t columns = 0;
    bool labels = false;
    for (const GridRow& row : rows) {
        columns = std::max(columns, row.images.size());
        labels = labels || !row.label.empty();
        for (const Image& img : row.images) {
            require(!img.empty(), "grid", "an image is empty");
            if (!first) first = &img;
            require(img.height == first->height && img.width == first->width, "grid",
                    "images differ in size (" + std::to_string(img.height) + "×" + std::to_string(img.width) +
                        " vs " + std::to_string(first->height) + "×" + std::to_string(first->width) + ")");
        }
    }
    require(first != nullptr, "grid", "no images to draw");
    const int scale = options.scale > 0 ? options.scale : std::max(1, (96 + first->height - 1) / first->height);
    const int cell_h = first->height * scale, cell_w = first->width * scale, pad = options.padding;
    int label_w = options.label_width;
    if (label_w == 0 && labels) {
        for (const GridRow& row : rows) label_w = std::max(label_w, text_width(row.label) + pad);
    }
    const int width = pad + label_w + int(columns) * (cell_w + pad);
    const int height = pad + int(rows.size()) * (cell_h + pad);
    Image out(height, width, 3, options.background);
    cv::Mat canvas = detail::as_mat(out);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const int top = pad + int(r) * (cell_h + pad);
        if (!rows[r].label.empty()) {
            cv::putText(canvas, rows[r].label, cv::Point(pad, top + cell_h / 2 + 5), kFont, kFontScale,
                        cv::Scalar(0.1, 0.1, 0.1), 1, cv::LINE_AA);
        }
        for (std::size_t c = 0; c < rows[r].images.size(); ++c) {
            const Image cell = to_rgb(rows[r].images[c]);
            cv::Mat big;
            cv::resize(detail::as_mat(cell), big, cv::Size(cell_w, cell_h), 0, 0, cv::INTER_NEAREST);
            const int left = pad + label_w + int(c) * (cell_w + pad);
            big.copyTo(canvas(cv::Rect(left, top, cell_w, cell_h)));
        }
    }
    return out;
}

}  // namespace lidecm
