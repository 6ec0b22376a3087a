// loader_rate: the training data pipeline alone (no training step), on an image folder.
//   loader_rate --data DIR [--tiles] [--resolution R] [--decode-threads N] [--cache-mb MB]
//               [--shuffle-buffer S] [--epochs E] [--batch-size B] [--compare-reduced]
// Prints the open time, then per epoch the items, seconds, items/s and files decoded, and
// the peak RSS. --compare-reduced instead decodes every item of the folder with and
// without reduced JPEG decoding and prints the PSNR between the two and both times.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "lidecm/data/dataset.hpp"
#include "lidecm/train/metrics.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}

// Every item of the folder in chunks, so memory stays flat.
std::vector<lidecm::Item> chunk_items(const lidecm::Dataset& d, std::size_t first, std::size_t count) {
    std::vector<std::size_t> ids;
    for (std::size_t i = first; i < std::min(d.size(), first + count); ++i) ids.push_back(i);
    return d.items(ids);
}

void compare_reduced(const std::string& data, lidecm::DatasetOptions options) {
    options.validation_fraction = 0;
    options.reduced_decode = true;
    const lidecm::Dataset reduced = lidecm::Dataset::open(data, options);
    options.reduced_decode = false;
    const lidecm::Dataset full = lidecm::Dataset::open(data, options);
    double sum = 0, worst = 1e9, t_reduced = 0, t_full = 0;
    std::size_t n = 0, same = 0;
    std::string worst_name;
    for (std::size_t first = 0; first < full.size(); first += 512) {
        auto t = Clock::now();
        const auto a = chunk_items(reduced, first, 512);
        t_reduced += since(t);
        t = Clock::now();
        const auto b = chunk_items(full, first, 512);
        t_full += since(t);
        for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
            if (a[i].image.data == b[i].image.data) {  // not a JPEG, or too small to reduce
                ++same;
                continue;
            }
            const double p = lidecm::psnr(a[i].image, b[i].image);
            sum += p;
            if (p < worst) {
                worst = p;
                worst_name = a[i].name;
            }
            ++n;
        }
    }
    std::printf("reduced vs full decode: %zu items decoded reduced (%zu identical: not reduced), PSNR mean %.2f dB, "
                "worst %.2f dB (%s); decode time %.1f s reduced, %.1f s full (%.2fx)\n",
                n, same, n > 0 ? sum / double(n) : 0.0, worst, worst_name.c_str(), t_reduced, t_full, t_full / t_reduced);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"The training data pipeline alone: items/s, decodes, peak RSS"};
    std::string data;
    lidecm::DatasetOptions options;
    lidecm::LoaderOptions loader;
    std::size_t cache_mb = options.cache_bytes >> 20;
    int epochs = 1;
    bool reduced = false, full_decode = false;
    app.add_option("--data", data, "Image folder")->required();
    app.add_flag("--tiles", options.tiles, "R x R tiles at the images' own resolution");
    app.add_option("--resolution", options.resolution, "R")->default_val(options.resolution);
    app.add_option("--decode-threads", loader.decode_threads, "0 = one per core")->default_val(0);
    app.add_option("--cache-mb", cache_mb, "Cache of decoded files")->default_val(cache_mb);
    app.add_option("--shuffle-buffer", options.shuffle_buffer, "Items")->default_val(options.shuffle_buffer);
    app.add_option("--epochs", epochs, "Epochs")->default_val(epochs);
    app.add_option("--batch-size", loader.batch_size, "Items per batch")->default_val(loader.batch_size);
    app.add_flag("--full-decode", full_decode, "No reduced JPEG decoding");
    app.add_flag("--compare-reduced", reduced, "PSNR and time of reduced against full JPEG decoding");
    CLI11_PARSE(app, argc, argv);
    options.cache_bytes = cache_mb << 20;
    options.reduced_decode = !full_decode;
    options.seed = 1234;
    try {
        if (reduced) {
            compare_reduced(data, options);
            return 0;
        }
        auto t = Clock::now();
        const lidecm::Dataset d = lidecm::Dataset::open(data, options);
        std::printf("%s\nopen: %.2f s\n", d.description().c_str(), since(t));
        for (int e = 0; e < epochs; ++e) {
            loader.epoch = e;
            t = Clock::now();
            lidecm::BatchLoader batches(d, loader);
            std::size_t items = 0;
            while (auto b = batches.next()) items += b->items.size();
            const double s = since(t);
            std::printf("epoch %d: %zu items in %.2f s = %.0f items/s, %llu files decoded\n", e, items, s,
                        double(items) / s, static_cast<unsigned long long>(batches.decodes()));
        }
        std::printf("peak RSS %.0f MB\n", peak_rss_mb());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "loader_rate: %s\n", e.what());
        return 1;
    }
}
