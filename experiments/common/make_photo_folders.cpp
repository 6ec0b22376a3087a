// make_photo_folders SAMPLES_DIR OUT_DIR [--large N=30] [--small N=10000]
// Builds the two folders the data-pipeline benchmarks read, from the sample photos only (no
// downloads): OUT_DIR/large (8-15 MP photos, PNG and JPEG alternating) and OUT_DIR/small
// (ImageNet-sized JPEG crops). The output is a pure function of the samples and the counts.
//
// Built by experiments/CMakeLists.txt; it links OpenCV (core, imgcodecs, imgproc), not lidecm.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace fs = std::filesystem;

namespace {

struct Totals { int files = 0, written = 0; std::uintmax_t bytes = 0; };

// Zero-padded so that name order is creation order, as loaders that sort by name will see it.
std::string numbered(const char* stem, int i, std::size_t width, const char* ext) {
    const std::string digits = std::to_string(i);
    return stem + std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits + ext;
}

// Written under a name no image loader lists, then renamed: an interrupted run leaves neither
// a truncated image that the next run would skip as done nor a stray image in the dataset.
template <class Make>
void emit(const fs::path& file, Totals& t, Make&& make, const std::vector<int>& params = {}) {
    if (!fs::exists(file)) {
        std::vector<uchar> bytes;
        if (!cv::imencode(file.extension().string(), make(), bytes, params))
            throw std::runtime_error("cannot encode " + file.string());
        const fs::path part = file.string() + ".part";
        std::ofstream f(part, std::ios::binary);
        if (!f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size())) || (f.close(), !f))
            throw std::runtime_error("cannot write " + part.string());
        fs::rename(part, file);
        ++t.written;
    }
    ++t.files;
    t.bytes += fs::file_size(file);
}

// Not std::uniform_*_distribution: their output differs between standard libraries, while
// mt19937_64's raw sequence is fixed by the standard, so the folders are the same everywhere.
double uniform01(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

}  // namespace

int main(int argc, char** argv) try {
    int n_large = 30, n_small = 10000;
    bool usage = argc < 3;
    for (int a = 3; a < argc && !usage; a += 2) {
        const std::string flag = argv[a];
        usage = a + 1 >= argc || (flag != "--large" && flag != "--small");
        if (!usage) (flag == "--large" ? n_large : n_small) = std::max(0, std::stoi(argv[a + 1]));
    }
    if (usage) {
        std::fprintf(stderr, "usage: make_photo_folders SAMPLES_DIR OUT_DIR [--large N=30] [--small N=10000]\n");
        return 2;
    }
    const fs::path samples_dir = argv[1], out = argv[2];
    const auto start = std::chrono::steady_clock::now();

    std::vector<fs::path> files;
    if (fs::is_directory(samples_dir)) {
        for (const auto& e : fs::directory_iterator(samples_dir)) {
            std::string ext = e.path().extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            if (e.is_regular_file() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg")) files.push_back(e.path());
        }
    }
    if (files.empty()) {
        std::fprintf(stderr, "error: no .png/.jpg images in '%s' (run scripts/samples.sh to extract the samples)\n",
                     samples_dir.c_str());
        return 1;
    }
    std::sort(files.begin(), files.end());  // directory order is arbitrary; the cycle must not be
    std::vector<cv::Mat> samples;
    for (const auto& f : files) {
        cv::Mat m = cv::imread(f.string(), cv::IMREAD_COLOR);  // grey photos come back as 3-channel BGR
        if (m.empty()) throw std::runtime_error("cannot decode " + f.string());
        samples.push_back(std::move(m));
    }
    const int n = int(samples.size());
    fs::create_directories(out / "large");
    fs::create_directories(out / "small");

    // Large: sizes at the middles of N equal bins of [8, 15] MP, so rounding can never leave the
    // range; with an odd sample count, a sample's copies alternate between PNG and JPEG.
    Totals large;
    double mp_min = 1e9, mp_max = 0;
    for (int i = 0; i < n_large; ++i) {
        const cv::Mat& src = samples[std::size_t(i % n)];
        const int copy = i / n;
        const double scale = std::sqrt((8.0 + 7.0 * (i + 0.5) / n_large) * 1e6 / double(src.total()));
        const cv::Size size(int(std::lround(src.cols * scale)), int(std::lround(src.rows * scale)));
        mp_min = std::min(mp_min, size.area() / 1e6);
        mp_max = std::max(mp_max, size.area() / 1e6);
        const bool png = i % 2 == 0;
        emit(out / "large" / numbered("large_", i, 3, png ? ".png" : ".jpg"), large, [&] {
            cv::Mat big;
            cv::resize(src, big, size, 0, 0, cv::INTER_LANCZOS4);
            if (copy % 2 == 1) cv::flip(big, big, 1);  // later copies must not be mere rescales
            return big;
        }, png ? std::vector<int>{} : std::vector<int>{cv::IMWRITE_JPEG_QUALITY, 90});
    }

    // Small: ImageNet's common shapes (mostly 500x375 landscape). Every draw happens even for
    // files that already exist, so file k is the same whichever files a re-run skips.
    const cv::Size shapes[] = {{500, 375}, {375, 500}, {500, 333}, {333, 500}};
    const double shape_cdf[] = {0.6, 0.75, 0.9, 1.0};
    std::mt19937_64 rng(0x6c696465636d3031ULL);
    Totals small;
    for (int k = 0; k < n_small; ++k) {
        const int si = int(rng() % std::uint64_t(n));
        const double u = uniform01(rng);
        const cv::Size target = shapes[std::find_if(std::begin(shape_cdf), std::end(shape_cdf),
                                                     [u](double c) { return u < c; }) - std::begin(shape_cdf)];
        const double area_share = 0.15 + 0.85 * uniform01(rng), fx = uniform01(rng), fy = uniform01(rng);
        const bool flip = rng() & 1;
        emit(out / "small" / numbered("small_", k, 5, ".jpg"), small, [&] {
            const cv::Mat& src = samples[std::size_t(si)];
            // The largest crop of the target's aspect ratio, shrunk by sqrt(area_share).
            const double aspect = double(target.width) / target.height;
            const double full_w = std::min(double(src.cols), src.rows * aspect);
            const int cw = std::max(1, int(full_w * std::sqrt(area_share)));
            const int ch = std::clamp(int(cw / aspect), 1, src.rows);
            const cv::Rect roi(int(fx * (src.cols - cw)), int(fy * (src.rows - ch)), cw, ch);
            cv::Mat crop;
            cv::resize(src(roi), crop, target, 0, 0, cv::INTER_AREA);
            if (flip) cv::flip(crop, crop, 1);
            return crop;
        }, {cv::IMWRITE_JPEG_QUALITY, 90});
    }

    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("make_photo_folders: large %d files (%d written, %.2f-%.2f MP) %.1f MB; small %d files "
                "(%d written) %.1f MB; %.1f s\n",
                large.files, large.written, n_large ? mp_min : 0.0, mp_max, large.bytes / 1e6, small.files,
                small.written, small.bytes / 1e6, secs);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "make_photo_folders: %s\n", e.what());
    return 1;
}
