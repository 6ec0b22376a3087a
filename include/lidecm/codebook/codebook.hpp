#pragma once
// The EM patch codebook (DESIGN §5): K codewords of dimension D, k-means++
// initialisation, the E-step (nearest codeword by one matrix product per block
// of rows), sufficient statistics that several workers can merge, full and
// mini-batch M-steps, re-seeding of codewords unused for an epoch, and usage
// figures (used fraction, perplexity, quantisation MSE).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lidecm {

/// Range of K: token files and assignments store each index as a uint16.
inline constexpr int kMinCodes = 2;
inline constexpr int kMaxCodes = 65'536;
/// Whether K is in [kMinCodes, kMaxCodes].
constexpr bool valid_num_codes(int num_codes) { return num_codes >= kMinCodes && num_codes <= kMaxCodes; }
/// "[2, 65536]": K's range as error messages print it.
std::string num_codes_range();

/// Options of the codebook and of train_kmeans.
struct CodebookOptions {
    int num_codes = 512;          ///< K, number of codewords: kMinCodes … kMaxCodes
    std::uint64_t seed = 1234;    ///< seeds k-means++ (same seed and data → same codebook)
    int kmeans_iterations = 20;   ///< Lloyd iterations of train_kmeans after k-means++ (≥ 0)
    int block_rows = 256;         ///< rows per matrix product in assign (bounds scratch memory to block_rows·K floats)
};

/// Throws InvalidArgument naming the first field out of range.
void validate(const CodebookOptions& options);

/// Result of the E-step for n vectors.
struct Assignment {
    std::vector<std::uint16_t> index;  ///< nearest codeword of each vector (ties → lowest index)
    std::vector<float> sq_distance;    ///< ‖x − c_index‖², recomputed exactly for the winner
    std::vector<float> confidence;     ///< exp(−‖x − c_index‖)

    [[nodiscard]] std::size_t size() const { return index.size(); }
};

/// Sufficient statistics of an E-step: per-codeword sums and counts. Stats of
/// disjoint parts of the data merged together equal the stats of the whole
/// (counts exactly, sums up to the order of double additions).
/// Sufficient statistics of an assignment. Every value is added rounded to a multiple
/// of 2⁻²⁴, so sums (while below 2²⁹: any batch of tiles) are exact: statistics of parts
/// merged in any order equal those of the whole, bit for bit (what distributed training
/// relies on).
struct CodebookStats {
    int num_codes = 0;
    int dim = 0;
    std::vector<double> sums;            ///< num_codes × dim, row-major: Σ of the vectors assigned to each code
    std::vector<std::uint64_t> counts;   ///< vectors assigned to each code
    double sq_error = 0.0;               ///< Σ ‖x − c_index‖² over the vectors
    std::uint64_t n = 0;                 ///< number of vectors

    CodebookStats() = default;
    /// Zero statistics for K codes of dimension D.
    CodebookStats(int num_codes, int dim);

    /// Adds n vectors (row-major n × dim) with their assignment.
    void accumulate(const float* x, std::size_t n, const Assignment& assignment);
    /// Adds the statistics of another part of the data (same K and D).
    void merge(const CodebookStats& other);
};

/// Usage figures of one assignment histogram.
struct CodebookUsage {
    double used_fraction = 0.0;  ///< share of codes with count > 0
    double perplexity = 0.0;     ///< exp(entropy of the normalised histogram): 1 … K
    double mse = 0.0;            ///< quantisation MSE per value: sq_error / (n · dim)
};

/// Share of histogram bins that are non-zero (0 for an empty histogram).
double used_fraction(const std::vector<std::uint64_t>& histogram);
/// exp(−Σ p log p) of the normalised histogram; throws if it sums to 0.
double perplexity(const std::vector<std::uint64_t>& histogram);
/// Used fraction, perplexity and MSE of a set of statistics (n must be > 0).
CodebookUsage usage(const CodebookStats& stats);

/// K × D float32 codewords, row-major and contiguous, with the running counts
/// of the mini-batch M-step and the usage counts of the current epoch.
class Codebook {
public:
    /// Loads existing codewords: `values` has num_codes × dim finite floats;
    /// `counts` and `epoch_usage` have num_codes entries, or are empty for zeros.
    Codebook(int num_codes, int dim, std::vector<float> values, std::vector<std::uint64_t> counts = {},
             std::vector<std::uint64_t> epoch_usage = {});

    /// k-means++ (D² sampling) from n × dim data, seeded by options.seed.
    /// Picks options.num_codes distinct data rows; needs n ≥ K.
    static Codebook kmeans_plus_plus(const float* data, std::size_t n, int dim, const CodebookOptions& options);

    [[nodiscard]] int size() const { return num_codes_; }
    [[nodiscard]] int dim() const { return dim_; }
    [[nodiscard]] const float* data() const { return values_.data(); }
    [[nodiscard]] const std::vector<float>& values() const { return values_; }
    [[nodiscard]] const float* codeword(int k) const { return values_.data() + std::size_t(k) * std::size_t(dim_); }
    /// Running counts N_k of the mini-batch M-step (saved in the model file).
    [[nodiscard]] const std::vector<std::uint64_t>& counts() const { return counts_; }
    /// Vectors assigned to each code by the updates since begin_epoch().
    [[nodiscard]] const std::vector<std::uint64_t>& epoch_usage() const { return epoch_usage_; }
    /// crc32 of the float32 values' bytes (what token files record).
    [[nodiscard]] std::uint32_t checksum() const { return checksum_; }

    /// E-step: nearest codeword of each of n vectors (row-major n × dim), by
    /// ‖x‖² − 2x·c + ‖c‖² with one matrix product per block of `block_rows`
    /// rows (‖x‖² is left out of the comparison: it is the same for every c).
    [[nodiscard]] Assignment assign(const float* x, std::size_t n, int block_rows = 256) const;

    /// ‖x_i − c_k‖² for every vector and codeword: n × K row-major, each summed directly
    /// over the dim() differences (exact, not the product form of assign).
    [[nodiscard]] std::vector<float> squared_distances(const float* x, std::size_t n) const;
    /// Full M-step: each code with count > 0 becomes sums / count and its running
    /// count becomes that count; codes with no vectors are left unchanged.
    /// Adds stats.counts to the epoch usage.
    void full_update(const CodebookStats& stats);
    /// Mini-batch M-step (online k-means): N_k += count_k and
    /// c_k += (batch mean_k − c_k) · count_k / N_k, so c_k stays the mean of
    /// every vector ever assigned to it. Adds stats.counts to the epoch usage.
    void minibatch_update(const CodebookStats& stats);

    /// Starts an epoch: zeroes the epoch usage.
    void begin_epoch();
    /// Re-seeds the codes unused since begin_epoch() with the candidates of
    /// largest error (row-major n × dim vectors and their errors, e.g. the
    /// sq_distance of their assignment), worst first, lowest index on ties;
    /// a re-seeded code gets running count 0. If there are fewer candidates
    /// than unused codes, the lowest unused codes are re-seeded. Returns the
    /// re-seeded codes in increasing order.
    std::vector<int> reseed_unused(const float* candidates, std::size_t n, const std::vector<float>& errors);

private:
    int num_codes_;
    int dim_;
    std::vector<float> values_;
    std::vector<std::uint64_t> counts_;
    std::vector<std::uint64_t> epoch_usage_;
    std::uint32_t checksum_ = 0;
    void refresh_checksum();

    void require_stats(const CodebookStats& stats, const char* what) const;
};

/// One Lloyd iteration of train_kmeans.
struct KMeansIteration {
    double objective = 0.0;  ///< Σ ‖x − c_index‖² of this iteration's E-step
    double seconds = 0.0;    ///< wall time since the start of train_kmeans, k-means++ included
    int reseeded = 0;        ///< empty codes re-seeded after the M-step
};

/// A trained codebook and its iteration history.
struct KMeansResult {
    Codebook codebook;
    std::vector<KMeansIteration> iterations;
    double init_seconds = 0.0;  ///< time of k-means++
};

/// Full-batch k-means: k-means++ then options.kmeans_iterations Lloyd steps
/// (assign, statistics, full update); codes left empty are re-seeded from the
/// worst-reconstructed vectors of that iteration.
KMeansResult train_kmeans(const float* data, std::size_t n, int dim, const CodebookOptions& options);

/// The Lloyd steps of train_kmeans from a given codebook (e.g. the caller's own
/// initialisation): options.kmeans_iterations of them; the data has start.dim() columns.
KMeansResult run_lloyd(const float* data, std::size_t n, Codebook start, const CodebookOptions& options);

}  // namespace lidecm
