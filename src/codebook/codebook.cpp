#include "lidecm/codebook/codebook.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <utility>

// GCC 12 reports a false maybe-uninitialized inside Eigen's matrix-product
// kernel; src/CMakeLists.txt turns that warning off for this file only.
#include <Eigen/Core>

#include "core/parallel.hpp"
#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

float sq_distance(const float* a, const float* b, int dim) {
    float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
    for (int j = 0; j < dim; ++j) {
        const float d = a[j] - b[j];
        acc += d * d;
    }
    return acc;
}

// One D² draw of k-means++ among n rows whose squared distances to the
// nearest chosen codeword are min_sq (k codewords chosen so far).
std::size_t sample_d2(const std::vector<float>& min_sq, const std::vector<char>& chosen, std::size_t k,
                      std::mt19937_64& rng) {
    const std::size_t n = min_sq.size();
    double total = 0.0;
    for (float v : min_sq) total += v;
    if (!(total > 0.0)) {
        // Every remaining row duplicates a codeword: draw uniformly among the unchosen rows.
        std::size_t r = std::size_t(RandomStream::unit_interval(rng()) * double(n - k));
        std::size_t pick = 0;
        for (; chosen[pick] || r > 0; ++pick) {
            if (!chosen[pick]) --r;
        }
        return pick;
    }
    // Chosen rows have weight 0 and so are never drawn again.
    const double target = RandomStream::unit_interval(rng()) * total;
    double cum = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (min_sq[i] <= 0.0f) continue;
        last_positive = i;
        cum += min_sq[i];
        if (cum > target) return i;
    }
    return last_positive;  // target rounded past the final sum
}

void require_data(const float* data, std::size_t n, int dim, const char* what) {
    require(dim >= 1, what, "dimension must be >= 1, got " + std::to_string(dim));
    require(n == 0 || data != nullptr, what, "data pointer is null");
}

}  // namespace

// Built from a std::string: GCC 12 warns falsely (-Wrestrict) on "[" + std::to_string(a constant).
std::string num_codes_range() {
    return std::string("[") + std::to_string(kMinCodes) + ", " + std::to_string(kMaxCodes) + "]";
}

void validate(const CodebookOptions& options) {
    require(valid_num_codes(options.num_codes), "num_codes",
            "must be in " + num_codes_range() + ", got " + std::to_string(options.num_codes));
    require(options.kmeans_iterations >= 0, "kmeans_iterations",
            "must be >= 0, got " + std::to_string(options.kmeans_iterations));
    require(options.block_rows >= 1, "block_rows", "must be >= 1, got " + std::to_string(options.block_rows));
}

// --- statistics ----------------------------------------------------------------

CodebookStats::CodebookStats(int num_codes_, int dim_)
    : num_codes(num_codes_), dim(dim_) {
    require(valid_num_codes(num_codes_), "codebook stats",
            "num_codes must be in " + num_codes_range() + ", got " + std::to_string(num_codes_));
    require(dim_ >= 1, "codebook stats", "dimension must be >= 1, got " + std::to_string(dim_));
    sums.assign(std::size_t(num_codes_) * std::size_t(dim_), 0.0);
    counts.assign(std::size_t(num_codes_), 0);
}

namespace {

// Values are added on a grid of 2⁻²⁴ (float's own resolution at 0.5–1): sums of
// grid values are exact in double while below 2²⁹, so statistics accumulated in
// any order or split (threads, batches, MPI ranks) and merged are bit-identical.
double on_sum_grid(float v) {
    constexpr double kQuantum = 0x1p-24, kInverse = 0x1p24;
    return std::nearbyint(double(v) * kInverse) * kQuantum;
}

}  // namespace

void CodebookStats::accumulate(const float* x, std::size_t count, const Assignment& assignment) {
    require_data(x, count, dim, "codebook stats");
    require(assignment.index.size() == count && assignment.sq_distance.size() == count, "codebook stats",
            "assignment has " + std::to_string(assignment.index.size()) + " entries for " + std::to_string(count) +
                " vectors");
    require(sums.size() == std::size_t(num_codes) * std::size_t(dim) && counts.size() == std::size_t(num_codes),
            "codebook stats", "sums/counts do not match num_codes × dim");
    for (std::size_t i = 0; i < count; ++i) {
        if (assignment.index[i] >= num_codes) {
            throw InvalidArgument("codebook stats: index " + std::to_string(assignment.index[i]) +
                                  " out of range for K = " + std::to_string(num_codes));
        }
    }
    // Each thread owns a range of codes and adds its vectors in data order, so
    // the sums are the same as a sequential pass whatever the thread count.
    const int threads = std::min(omp_get_max_threads(), num_codes);
    const std::size_t d = std::size_t(dim);
#pragma omp parallel for schedule(static, 1) num_threads(threads) if (count * d >= detail::kParallelMinWork)
    for (int t = 0; t < threads; ++t) {
        const int lo = int(std::int64_t(num_codes) * t / threads);
        const int hi = int(std::int64_t(num_codes) * (t + 1) / threads);
        for (std::size_t i = 0; i < count; ++i) {
            const int k = assignment.index[i];
            if (k < lo || k >= hi) continue;
            double* s = &sums[std::size_t(k) * d];
            const float* v = x + i * d;
            for (std::size_t j = 0; j < d; ++j) s[j] += on_sum_grid(v[j]);
            ++counts[std::size_t(k)];
        }
    }
    for (std::size_t i = 0; i < count; ++i) sq_error += on_sum_grid(assignment.sq_distance[i]);
    n += count;
}

void CodebookStats::merge(const CodebookStats& other) {
    require(other.num_codes == num_codes && other.dim == dim, "codebook stats",
            "cannot merge K = " + std::to_string(other.num_codes) + ", D = " + std::to_string(other.dim) +
                " into K = " + std::to_string(num_codes) + ", D = " + std::to_string(dim));
    require(other.sums.size() == sums.size() && other.counts.size() == counts.size(), "codebook stats",
            "sums/counts do not match num_codes × dim");
    for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += other.sums[i];
    for (std::size_t k = 0; k < counts.size(); ++k) counts[k] += other.counts[k];
    sq_error += other.sq_error;
    n += other.n;
}

double used_fraction(const std::vector<std::uint64_t>& histogram) {
    if (histogram.empty()) return 0.0;
    const auto used = std::count_if(histogram.begin(), histogram.end(), [](std::uint64_t c) { return c > 0; });
    return double(used) / double(histogram.size());
}

double perplexity(const std::vector<std::uint64_t>& histogram) {
    double total = 0.0;
    for (std::uint64_t c : histogram) total += double(c);
    require(total > 0.0, "perplexity", "histogram is empty or all zero");
    double entropy = 0.0;
    for (std::uint64_t c : histogram) {
        if (c == 0) continue;
        const double p = double(c) / total;
        entropy -= p * std::log(p);
    }
    return std::exp(entropy);
}

CodebookUsage usage(const CodebookStats& stats) {
    require(stats.n > 0 && stats.dim > 0, "codebook usage", "statistics hold no vectors");
    return {used_fraction(stats.counts), perplexity(stats.counts),
            stats.sq_error / (double(stats.n) * double(stats.dim))};
}

// --- codebook ------------------------------------------------------------------

Codebook::Codebook(int num_codes, int dim, std::vector<float> values, std::vector<std::uint64_t> counts,
                   std::vector<std::uint64_t> epoch_usage)
    : num_codes_(num_codes), dim_(dim), values_(std::move(values)), counts_(std::move(counts)),
      epoch_usage_(std::move(epoch_usage)) {
    require(valid_num_codes(num_codes), "codebook",
            "num_codes must be in " + num_codes_range() + ", got " + std::to_string(num_codes));
    require(dim >= 1, "codebook", "dimension must be >= 1, got " + std::to_string(dim));
    const std::size_t expected = std::size_t(num_codes) * std::size_t(dim);
    require(values_.size() == expected, "codebook",
            "expected " + std::to_string(num_codes) + " × " + std::to_string(dim) + " = " + std::to_string(expected) +
                " values, got " + std::to_string(values_.size()));
    for (std::size_t i = 0; i < values_.size(); ++i) {
        if (!std::isfinite(values_[i])) {
            throw InvalidArgument("codebook: value " + std::to_string(i) + " (code " + std::to_string(i / dim) +
                                  ") is not finite");
        }
    }
    if (counts_.empty()) counts_.assign(std::size_t(num_codes), 0);
    if (epoch_usage_.empty()) epoch_usage_.assign(std::size_t(num_codes), 0);
    require(counts_.size() == std::size_t(num_codes), "codebook",
            "expected " + std::to_string(num_codes) + " running counts, got " + std::to_string(counts_.size()));
    require(epoch_usage_.size() == std::size_t(num_codes), "codebook",
            "expected " + std::to_string(num_codes) + " epoch usage counts, got " +
                std::to_string(epoch_usage_.size()));
    refresh_checksum();
}

// Every token grid made and decoded checks the checksum: computed once per
// change of the values, not once per image (a K = 512 codebook is 393 KB).
void Codebook::refresh_checksum() { checksum_ = crc32(values_.data(), values_.size() * sizeof(float)); }

Codebook Codebook::kmeans_plus_plus(const float* data, std::size_t n, int dim, const CodebookOptions& options) {
    validate(options);
    require_data(data, n, dim, "k-means++");
    const int K = options.num_codes;
    require(n >= std::size_t(K), "k-means++",
            "needs at least K = " + std::to_string(K) + " vectors, got " + std::to_string(n));
    const std::size_t d = std::size_t(dim);
    for (std::size_t i = 0; i < n * d; ++i) {
        if (!std::isfinite(data[i])) {
            throw InvalidArgument("k-means++: vector " + std::to_string(i / d) + " has a non-finite value");
        }
    }
    // The standard fixes mt19937_64's sequence (unlike its distributions), so this
    // stream is portable; it predates RandomStream and is kept so that trained
    // codebooks stay what they were.
    std::mt19937_64 rng(options.seed);
    std::vector<float> values(std::size_t(K) * d);
    std::vector<float> min_sq(n, std::numeric_limits<float>::infinity());
    std::vector<int> nearest(n, 0);  // index of each row's nearest chosen codeword
    std::vector<char> chosen(n, 0);
    std::vector<float> between(static_cast<std::size_t>(K));  // ‖c_new − c_j‖² for the codewords chosen so far
    std::size_t pick = std::size_t(RandomStream::unit_interval(rng()) * double(n));
    for (int k = 0; k < K; ++k) {
        if (k > 0) pick = sample_d2(min_sq, chosen, std::size_t(k), rng);
        chosen[pick] = 1;
        const float* c = data + pick * d;
        std::copy_n(c, d, values.begin() + std::ptrdiff_t(std::size_t(k) * d));
        if (k + 1 == K) break;
        for (int j = 0; j < k; ++j) between[std::size_t(j)] = sq_distance(c, values.data() + std::size_t(j) * d, dim);
        // A row can only come nearer to c if ‖c − c_a‖ < 2‖x − c_a‖ (triangle
        // inequality, a = its nearest codeword): most rows are skipped without
        // reading them. Serial: 511 short steps of a parallel loop spend more
        // time waking threads than computing, and far more on a loaded machine.
        for (std::size_t i = 0; i < n; ++i) {
            if (k > 0 && between[std::size_t(nearest[i])] >= 4.0f * min_sq[i]) continue;
            const float dist = sq_distance(data + i * d, c, dim);
            if (dist < min_sq[i]) {
                min_sq[i] = dist;
                nearest[i] = k;
            }
        }
    }
    return Codebook(K, dim, std::move(values));
}

std::vector<float> Codebook::squared_distances(const float* x, std::size_t n) const {
    require_data(x, n, dim_, "squared_distances");
    const std::size_t d = std::size_t(dim_), K = std::size_t(num_codes_);
    std::vector<float> out(n * K);
    detail::parallel_for(n, [&](std::size_t i) {
        const float* xi = x + i * d;
        for (std::size_t k = 0; k < K; ++k) {
            const float* c = codeword(int(k));
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (std::size_t j = 0; j < d; ++j) acc += (xi[j] - c[j]) * (xi[j] - c[j]);
            out[i * K + k] = acc;
        }
    });
    return out;
}

Assignment Codebook::assign(const float* x, std::size_t n, int block_rows) const {
    require_data(x, n, dim_, "assign");
    require(block_rows >= 1, "assign", "block_rows must be >= 1, got " + std::to_string(block_rows));
    Assignment out;
    out.index.resize(n);
    out.sq_distance.resize(n);
    out.confidence.resize(n);
    if (n == 0) return out;

    const std::size_t d = std::size_t(dim_);
    const std::size_t K = std::size_t(num_codes_);
    std::vector<float> code_sq(K);
    for (std::size_t k = 0; k < K; ++k) {
        const float* c = codeword(int(k));
        float acc = 0.0f;
        for (std::size_t j = 0; j < d; ++j) acc += c[j] * c[j];
        code_sq[k] = acc;
    }
    const Eigen::Map<const RowMatrix> codes(values_.data(), Eigen::Index(K), Eigen::Index(d));
    const std::size_t rows = std::size_t(block_rows);
    const std::size_t blocks = (n + rows - 1) / rows;
    const int threads = omp_get_max_threads();
    std::vector<RowMatrix> scratch(std::size_t(threads), RowMatrix(Eigen::Index(std::min(rows, n)), Eigen::Index(K)));
    std::atomic<std::size_t> bad{n};  // lowest row with a non-finite value

    // One matrix product per block: G = X · Cᵀ (block × K), then the scores
    // ‖c‖² − 2 x·c compared along each row. Blocks are fixed by block_rows, not
    // by the thread count, so the result does not depend on it.
    detail::parallel_for(blocks, [&](std::size_t b) {
        // Keep Eigen's product on this thread (it would otherwise start its own
        // team when we run on one): its threading changes the blocking, and with
        // it the rounding. Only this task's nested regions are affected.
        omp_set_num_threads(1);
        const std::size_t first = std::size_t(b) * rows;
        const std::size_t count = std::min(rows, n - first);
        RowMatrix& g = scratch[std::size_t(omp_get_thread_num())];
        const Eigen::Map<const RowMatrix> xb(x + first * d, Eigen::Index(count), Eigen::Index(d));
        g.topRows(Eigen::Index(count)).noalias() = xb * codes.transpose();
        for (std::size_t r = 0; r < count; ++r) {
            float* s = g.row(Eigen::Index(r)).data();
            float best = std::numeric_limits<float>::infinity();
#pragma omp simd reduction(min : best)
            for (std::size_t k = 0; k < K; ++k) {
                s[k] = code_sq[k] - 2.0f * s[k];
                best = std::min(best, s[k]);
            }
            std::size_t arg = 0;
            while (arg < K && !(s[arg] == best)) ++arg;
            const std::size_t i = first + r;
            const float* v = x + i * d;
            const float sq = arg < K ? sq_distance(v, codeword(int(arg)), dim_) : 0.0f;
            if (arg == K || !std::isfinite(sq)) {
                std::size_t seen = bad.load();
                while (i < seen && !bad.compare_exchange_weak(seen, i)) {
                }
                continue;
            }
            out.index[i] = std::uint16_t(arg);
            out.sq_distance[i] = sq;
            out.confidence[i] = std::exp(-std::sqrt(sq));
        }
    }, blocks > 1);
    if (bad.load() < n) throw InvalidArgument("assign: vector " + std::to_string(bad.load()) + " has a non-finite value");
    return out;
}

void Codebook::require_stats(const CodebookStats& stats, const char* what) const {
    require(stats.num_codes == num_codes_ && stats.dim == dim_, what,
            "statistics of K = " + std::to_string(stats.num_codes) + ", D = " + std::to_string(stats.dim) +
                " for a codebook of K = " + std::to_string(num_codes_) + ", D = " + std::to_string(dim_));
    require(stats.sums.size() == values_.size() && stats.counts.size() == counts_.size(), what,
            "sums/counts do not match num_codes × dim");
}

void Codebook::full_update(const CodebookStats& stats) {
    require_stats(stats, "full update");
    const std::size_t d = std::size_t(dim_);
    for (std::size_t k = 0; k < std::size_t(num_codes_); ++k) {
        const std::uint64_t count = stats.counts[k];
        if (count == 0) continue;
        for (std::size_t j = 0; j < d; ++j) values_[k * d + j] = float(stats.sums[k * d + j] / double(count));
        counts_[k] = count;
        epoch_usage_[k] += count;
    }
    refresh_checksum();
}

void Codebook::minibatch_update(const CodebookStats& stats) {
    require_stats(stats, "mini-batch update");
    const std::size_t d = std::size_t(dim_);
    for (std::size_t k = 0; k < std::size_t(num_codes_); ++k) {
        const std::uint64_t count = stats.counts[k];
        if (count == 0) continue;
        counts_[k] += count;
        const double step = double(count) / double(counts_[k]);
        for (std::size_t j = 0; j < d; ++j) {
            const double c = values_[k * d + j];
            const double mean = stats.sums[k * d + j] / double(count);
            values_[k * d + j] = float(c + (mean - c) * step);
        }
        epoch_usage_[k] += count;
    }
    refresh_checksum();
}

void Codebook::begin_epoch() { std::fill(epoch_usage_.begin(), epoch_usage_.end(), 0); }

std::vector<int> Codebook::reseed_unused(const float* candidates, std::size_t n, const std::vector<float>& errors) {
    require_data(candidates, n, dim_, "reseed");
    require(errors.size() == n, "reseed",
            std::to_string(errors.size()) + " errors for " + std::to_string(n) + " candidates");
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(errors[i])) {
            throw InvalidArgument("reseed: error of candidate " + std::to_string(i) + " is not finite");
        }
    }
    std::vector<int> unused;
    for (int k = 0; k < num_codes_; ++k) {
        if (epoch_usage_[std::size_t(k)] == 0) unused.push_back(k);
    }
    if (unused.size() > n) unused.resize(n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto worst = order.begin() + std::ptrdiff_t(unused.size());
    std::partial_sort(order.begin(), worst, order.end(), [&](std::size_t a, std::size_t b) {
        return errors[a] != errors[b] ? errors[a] > errors[b] : a < b;
    });
    const std::size_t d = std::size_t(dim_);
    for (std::size_t u = 0; u < unused.size(); ++u) {  // checked first so a failure changes nothing
        const float* v = candidates + order[u] * d;
        if (!std::all_of(v, v + d, [](float f) { return std::isfinite(f); })) {
            throw InvalidArgument("reseed: candidate " + std::to_string(order[u]) + " has a non-finite value");
        }
    }
    for (std::size_t u = 0; u < unused.size(); ++u) {
        const std::size_t k = std::size_t(unused[u]);
        std::copy_n(candidates + order[u] * d, d, values_.begin() + std::ptrdiff_t(k * d));
        counts_[k] = 0;
    }
    refresh_checksum();
    return unused;
}

// --- full-batch k-means ----------------------------------------------------------

KMeansResult train_kmeans(const float* data, std::size_t n, int dim, const CodebookOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    Codebook init = Codebook::kmeans_plus_plus(data, n, dim, options);
    const double init_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    KMeansResult result = run_lloyd(data, n, std::move(init), options);
    result.init_seconds = init_seconds;
    for (KMeansIteration& it : result.iterations) it.seconds += init_seconds;
    return result;
}

KMeansResult run_lloyd(const float* data, std::size_t n, Codebook start, const CodebookOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    KMeansResult result{std::move(start), {}, 0.0};
    Codebook& codebook = result.codebook;
    const int dim = codebook.dim();
    for (int it = 0; it < options.kmeans_iterations; ++it) {
        const Assignment assignment = codebook.assign(data, n, options.block_rows);
        CodebookStats stats(codebook.size(), dim);
        stats.accumulate(data, n, assignment);
        codebook.begin_epoch();  // each Lloyd iteration is one pass: its empty codes are the unused ones
        codebook.full_update(stats);
        const auto reseeded = codebook.reseed_unused(data, n, assignment.sq_distance);
        result.iterations.push_back({stats.sq_error, elapsed(), int(reseeded.size())});
    }
    return result;
}

}  // namespace lidecm
