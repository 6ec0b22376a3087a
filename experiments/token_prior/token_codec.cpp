// Token files coded with the token prior against JPEG and WebP (issue #24), on photos the
// model never saw. Each photo is tokenized with the model's codebook and written as
// `tokenize --entropy` writes it (range-coded, as the class that codes it cheapest) and as
// a fixed-width file; the tokens are decoded and refined as `detokenize --refine` does.
// PSNR of the 8-bit reconstruction against the photo. JPEG and WebP (OpenCV's encoders) are
// set to the lowest quality that reaches the tokens' refined PSNR and their bits per pixel
// there are printed; when quality 1 is already above it, quality 1's figures are (marked ≥).
// Since a codec at such rates would rather code a smaller image, the best PSNR each codec
// reaches within the coded tokens' bits per pixel is printed too: over the photo reduced by
// 2, 3, 4, 6 or 8 (area average), coded at any quality, and enlarged back (bicubic).
// Bits per pixel count whole files (headers and checksums included), all channels together.
//
//   token_codec --model M --photos DIR [--suffix _clean.png] [--csv FILE]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/formats/token_file.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/model.hpp"
#include "mat8.hpp"

namespace fs = std::filesystem;
using namespace lidecm;

namespace {

struct CodecPoint {
    int quality = 0;
    double bpp = 0, psnr = 0;
    bool floor = false;  // quality 1 was above the target
};

double bpp_of(std::size_t bytes, const Image& img) { return 8.0 * double(bytes) / double(img.pixels()); }

// The lowest quality of `flag` reaching `target` dB (qualities tried upward: PSNR is not
// strictly monotone in quality, and the first that reaches it is the cheapest such file
// in practice).
CodecPoint match_psnr(const Image& photo, const cv::Mat& bgr, const std::string& ext, int flag, double target) {
    CodecPoint p;
    for (int q = 1; q <= 100; ++q) {
        std::vector<unsigned char> buf;
        cv::imencode(ext, bgr, buf, {flag, q});
        const double psnr_q = psnr(photo, experiments::from_mat8(cv::imdecode(buf, cv::IMREAD_UNCHANGED)));
        p = {q, bpp_of(buf.size(), photo), psnr_q, q == 1 && psnr_q >= target};
        if (psnr_q >= target) break;
    }
    return p;
}

// The best PSNR within `budget` bits per pixel of the photo, coding it reduced by a factor
// (0 when no reduction and quality fits).
struct Reduced {
    int factor = 0, quality = 0;
    double bpp = 0, psnr = 0;
};

Reduced within_bits(const Image& photo, const cv::Mat& bgr, const std::string& ext, int flag, double budget) {
    Reduced best;
    for (const int factor : {2, 3, 4, 6, 8}) {
        cv::Mat small, back;
        cv::resize(bgr, small, cv::Size(std::max(1, bgr.cols / factor), std::max(1, bgr.rows / factor)), 0, 0, cv::INTER_AREA);
        for (int q = 1; q <= 100; ++q) {
            std::vector<unsigned char> buf;
            cv::imencode(ext, small, buf, {flag, q});
            if (bpp_of(buf.size(), photo) > budget) break;
            cv::resize(cv::imdecode(buf, cv::IMREAD_UNCHANGED), back, bgr.size(), 0, 0, cv::INTER_CUBIC);
            const double psnr_q = psnr(photo, experiments::from_mat8(back));
            if (psnr_q > best.psnr) best = {factor, q, bpp_of(buf.size(), photo), psnr_q};
        }
    }
    return best;
}

std::string describe(const Reduced& r) {
    if (r.factor == 0) return "none fits";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f (/%d, q %d)", r.psnr, r.factor, r.quality);
    return text;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Token files coded with the token prior against JPEG and WebP at the same PSNR"};
    fs::path model_path, photos, csv;
    std::string suffix;
    app.add_option("--model", model_path, "A model from lidecm train, with a token prior")->required()->check(CLI::ExistingFile);
    app.add_option("--photos", photos, "Folder of held-out photos")->required()->check(CLI::ExistingDirectory);
    app.add_option("--suffix", suffix, "Only files whose name ends so (e.g. _clean.png)");
    app.add_option("--csv", csv, "Also write one row per photo here");
    CLI11_PARSE(app, argc, argv);
    try {
        const Model model = load_model(model_path);
        const TokenPrior& prior = token_prior_of(model, model_path.string());
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(photos)) {
            const std::string name = e.path().filename().string();
            if (e.is_regular_file() && has_image_extension(e.path()) && name.size() >= suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
                files.push_back(e.path());
            }
        }
        std::sort(files.begin(), files.end());
        if (files.empty()) throw std::runtime_error(photos.string() + ": no photos");
        std::printf("| photo | tokens coded bpp | fixed-width code bpp | fixed-width file bpp | PSNR decoded | PSNR refined | JPEG q | JPEG bpp | "
                    "JPEG PSNR | WebP q | WebP bpp | WebP PSNR | JPEG reduced PSNR | WebP reduced PSNR |\n"
                    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        std::vector<double> coded_bpp, fixed_bpp, refined_psnr, jpeg_bpp, webp_bpp, jpeg_small, webp_small;
        std::ofstream out;
        if (!csv.empty()) {
            out.open(csv);
            out << "photo,coded_bpp,fixed_bpp,psnr_decoded,psnr_refined,jpeg_q,jpeg_bpp,jpeg_psnr,webp_q,webp_bpp,webp_psnr,"
                   "jpeg_reduced_factor,jpeg_reduced_q,jpeg_reduced_psnr,webp_reduced_factor,webp_reduced_q,webp_reduced_psnr\n";
        }
        for (const fs::path& f : files) {
            const Image photo = model_input(model, load_image(f));
            const TokenGrid grid = encode(*model.codebook, photo, model.config.patch_size);
            const auto coded = encode_token_file(grid, prior, cheapest_label(grid, prior), f.string());
            const auto fixed = encode_token_file(grid, f.string());
            Image decoded = decode(*model.codebook, decode_token_file(coded, f.string(), &prior));
            Image refined = refine_reconstruction(model, decoded);
            experiments::quantise_8bit(decoded);
            experiments::quantise_8bit(refined);
            const double target = psnr(photo, refined), decoded_psnr = psnr(photo, decoded);
            const cv::Mat bgr = experiments::to_mat8(photo);
            const CodecPoint jpeg = match_psnr(photo, bgr, ".jpg", cv::IMWRITE_JPEG_QUALITY, target);
            const CodecPoint webp = match_psnr(photo, bgr, ".webp", cv::IMWRITE_WEBP_QUALITY, target);
            const double budget = bpp_of(coded.size(), photo), fixed_file_bpp = bpp_of(fixed.size(), photo);
            const Reduced jpeg_r = within_bits(photo, bgr, ".jpg", cv::IMWRITE_JPEG_QUALITY, budget);
            const Reduced webp_r = within_bits(photo, bgr, ".webp", cv::IMWRITE_WEBP_QUALITY, budget);
            const std::string name = f.stem().string();
            std::printf("| %s | %.3f | %.3f | %.3f | %.2f | %.2f | %s%d | %.3f | %.2f | %s%d | %.3f | %.2f | %s | %s |\n",
                        name.c_str(), budget, bits_per_pixel(grid), fixed_file_bpp, decoded_psnr,
                        target, jpeg.floor ? "≥" : "", jpeg.quality, jpeg.bpp, jpeg.psnr, webp.floor ? "≥" : "",
                        webp.quality, webp.bpp, webp.psnr, describe(jpeg_r).c_str(), describe(webp_r).c_str());
            if (out) {
                out << name << ',' << budget << ',' << fixed_file_bpp << ',' << decoded_psnr << ',' << target << ','
                    << jpeg.quality << ',' << jpeg.bpp << ',' << jpeg.psnr << ',' << webp.quality << ',' << webp.bpp << ',' << webp.psnr << ',' << jpeg_r.factor << ','
                    << jpeg_r.quality << ',' << jpeg_r.psnr << ',' << webp_r.factor << ',' << webp_r.quality << ','
                    << webp_r.psnr << '\n';
            }
            coded_bpp.push_back(budget);
            fixed_bpp.push_back(fixed_file_bpp);
            refined_psnr.push_back(target);
            jpeg_bpp.push_back(jpeg.bpp);
            webp_bpp.push_back(webp.bpp);
            if (jpeg_r.factor > 0) jpeg_small.push_back(jpeg_r.psnr);
            if (webp_r.factor > 0) webp_small.push_back(webp_r.psnr);
        }
        std::printf("\nmedians over %zu photos: tokens %.3f bpp coded (fixed-width file %.3f, %.0f %% smaller) at %.2f dB; "
                    "JPEG %.3f bpp, WebP %.3f bpp at that PSNR or above; within the tokens' bits, reduced: JPEG %.2f dB "
                    "(%zu photos fit), WebP %.2f dB (%zu fit)\n",
                    files.size(), median(coded_bpp), median(fixed_bpp), 100.0 * (1.0 - median(coded_bpp) / median(fixed_bpp)),
                    median(refined_psnr), median(jpeg_bpp), median(webp_bpp), jpeg_small.empty() ? 0.0 : median(jpeg_small), jpeg_small.size(),
                    webp_small.empty() ? 0.0 : median(webp_small), webp_small.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "token_codec: %s\n", e.what());
        return 1;
    }
    return 0;
}
