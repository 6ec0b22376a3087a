// The EM codebook: E-step against a brute-force oracle, M-steps against
// hand-computed means, mergeable statistics, k-means++, reseeding, usage.
#include <gtest/gtest.h>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "lidecm/core/checksum.hpp"
#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

std::vector<float> random_data(std::size_t n, int dim, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(n * std::size_t(dim));
    for (float& x : v) x = u(rng);
    return v;
}

double sq_dist_double(const float* a, const float* b, int dim) {
    double acc = 0.0;
    for (int j = 0; j < dim; ++j) acc += (double(a[j]) - b[j]) * (double(a[j]) - b[j]);
    return acc;
}

Codebook random_codebook(int K, int dim, std::uint64_t seed) { return Codebook(K, dim, random_data(std::size_t(K), dim, seed)); }

/// Statistics of one pass over all of `x` with the codebook's assignment.
CodebookStats stats_of(const Codebook& cb, const std::vector<float>& x) {
    const std::size_t n = x.size() / std::size_t(cb.dim());
    CodebookStats s(cb.size(), cb.dim());
    s.accumulate(x.data(), n, cb.assign(x.data(), n));
    return s;
}

TEST(CodebookOptions, ValidatesEveryField) {
    EXPECT_NO_THROW(validate(CodebookOptions{}));
    try {
        validate(CodebookOptions{.num_codes = 1});
        FAIL() << "K = 1 accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "num_codes: must be in [2, 65536], got 1");
    }
    EXPECT_THROW(validate(CodebookOptions{.num_codes = 65'537}), InvalidArgument);
    EXPECT_THROW(validate(CodebookOptions{.kmeans_iterations = -1}), InvalidArgument);
    EXPECT_THROW(validate(CodebookOptions{.block_rows = 0}), InvalidArgument);
}

TEST(Codebook, ConstructorChecksShapeAndValues) {
    EXPECT_THROW(Codebook(4, 3, std::vector<float>(11)), InvalidArgument);
    EXPECT_THROW(Codebook(1, 3, std::vector<float>(3)), InvalidArgument);
    EXPECT_THROW(Codebook(2, 0, std::vector<float>()), InvalidArgument);
    std::vector<float> v(6, 0.5f);
    v[4] = std::nanf("");
    EXPECT_THROW(Codebook(2, 3, v), InvalidArgument);
    EXPECT_THROW(Codebook(2, 3, std::vector<float>(6), {1, 2, 3}), InvalidArgument);
    const Codebook cb(2, 3, std::vector<float>(6, 0.25f), {4, 5});
    EXPECT_EQ(cb.counts(), (std::vector<std::uint64_t>{4, 5}));
    EXPECT_EQ(cb.epoch_usage(), (std::vector<std::uint64_t>{0, 0}));
}

TEST(Codebook, ChecksumIsCrc32OfTheFloatBytes) {
    const Codebook a = random_codebook(8, 5, 1);
    EXPECT_EQ(a.checksum(), crc32(a.data(), 8 * 5 * sizeof(float)));
    std::vector<float> v = a.values();
    v[17] = std::nextafter(v[17], 2.0f);
    EXPECT_NE(Codebook(8, 5, v).checksum(), a.checksum());
}

TEST(Assign, EqualsBruteForceArgmin) {
    const int K = 37, D = 27;
    const std::size_t n = 1001;
    const Codebook cb = random_codebook(K, D, 11);
    const auto x = random_data(n, D, 12);
    for (int block : {1, 7, 256, 5000}) {
        const Assignment a = cb.assign(x.data(), n, block);
        ASSERT_EQ(a.size(), n);
        for (std::size_t i = 0; i < n; ++i) {
            const float* v = x.data() + i * D;
            int best = 0;
            double best_d = sq_dist_double(v, cb.codeword(0), D);
            for (int k = 1; k < K; ++k) {
                const double d = sq_dist_double(v, cb.codeword(k), D);
                if (d < best_d) best = k, best_d = d;
            }
            const double chosen = sq_dist_double(v, cb.codeword(a.index[i]), D);
            // Only a float near-tie may pick another code, and then one just as near.
            if (a.index[i] != best) {
                EXPECT_LT(chosen - best_d, 1e-5 * best_d) << "row " << i;
            }
            EXPECT_NEAR(a.sq_distance[i], chosen, 1e-5 * chosen) << "row " << i;
            EXPECT_NEAR(a.confidence[i], std::exp(-std::sqrt(chosen)), 1e-6) << "row " << i;
        }
    }
}

TEST(Assign, SameResultForEveryBlockSizeAndThreadCount) {
    const Codebook cb = random_codebook(64, 48, 3);
    const auto x = random_data(777, 48, 4);
    const Assignment ref = cb.assign(x.data(), 777, 256);
    const int threads = omp_get_max_threads();
    for (int t : {1, 2, 3}) {
        omp_set_num_threads(t);
        for (int block : {1, 64, 100, 1000}) {
            const Assignment a = cb.assign(x.data(), 777, block);
            EXPECT_EQ(a.index, ref.index) << t << " threads, block " << block;
            EXPECT_EQ(a.sq_distance, ref.sq_distance) << t << " threads, block " << block;
            EXPECT_EQ(omp_get_max_threads(), t);  // assign's thread setting stays inside it
        }
    }
    omp_set_num_threads(threads);
}

TEST(Assign, TiesGoToTheLowestIndex) {
    // Dyadic values keep every product and sum exact, so ties are exact ties.
    const int D = 4;
    std::vector<float> codes = {0, 0, 0, 0,              // 0
                                1, 1, 1, 1,              // 1
                                0.25f, 0.5f, 0, 1,       // 2
                                0.5f, 0.5f, 0.5f, 0.5f,  // 3
                                0.25f, 0.5f, 0, 1};      // 4 = 2
    const Codebook cb(5, D, codes);
    const std::vector<float> x = {0.25f, 0.25f, 0.25f, 0.25f,  // 0 and 3 equally near (and nearest)
                                  0.25f, 0.5f,  0,     1,      // equals 2 and 4
                                  0.75f, 0.75f, 0.75f, 0.75f};  // 1 and 3 equally near
    const Assignment a = cb.assign(x.data(), 3);
    EXPECT_EQ(a.index, (std::vector<std::uint16_t>{0, 2, 1}));
    EXPECT_FLOAT_EQ(a.sq_distance[0], 0.25f);
    EXPECT_EQ(a.sq_distance[1], 0.0f);
    EXPECT_EQ(a.confidence[1], 1.0f);
}

TEST(Assign, RefusesNonFiniteVectors) {
    const Codebook cb = random_codebook(4, 3, 5);
    auto x = random_data(10, 3, 6);
    x[3 * 3 + 1] = std::numeric_limits<float>::infinity();
    try {
        (void)cb.assign(x.data(), 10);
        FAIL() << "inf accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "assign: vector 3 has a non-finite value");
    }
    EXPECT_EQ(cb.assign(x.data(), 0).size(), 0u);
}

TEST(Stats, FullUpdateIsTheMeanOfTheAssignedVectors) {
    const int K = 12, D = 6;
    const std::size_t n = 300;
    Codebook cb = random_codebook(K, D, 21);
    const Codebook before = cb;
    const auto x = random_data(n, D, 22);
    const Assignment a = cb.assign(x.data(), n);
    CodebookStats s(K, D);
    s.accumulate(x.data(), n, a);
    cb.full_update(s);
    for (int k = 0; k < K; ++k) {
        std::vector<double> mean(D, 0.0);
        std::uint64_t count = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (a.index[i] != k) continue;
            ++count;
            for (int j = 0; j < D; ++j) mean[std::size_t(j)] += x[i * D + std::size_t(j)];
        }
        EXPECT_EQ(s.counts[std::size_t(k)], count);
        EXPECT_EQ(cb.counts()[std::size_t(k)], count);
        EXPECT_EQ(cb.epoch_usage()[std::size_t(k)], count);
        for (int j = 0; j < D; ++j) {
            const float expected = count ? float(mean[std::size_t(j)] / double(count)) : before.codeword(k)[j];
            EXPECT_FLOAT_EQ(cb.codeword(k)[j], expected) << "code " << k;
        }
    }
    double sq = 0.0;
    for (float d : a.sq_distance) sq += d;
    EXPECT_NEAR(s.sq_error, sq, 0x1p-25 * double(n));  // each term on the 2^-24 grid
    EXPECT_EQ(s.n, n);
}

TEST(Stats, MergedHalvesEqualOnePass) {
    const int K = 16, D = 10;
    const std::size_t n = 500, half = 217;
    const Codebook cb = random_codebook(K, D, 31);
    const auto x = random_data(n, D, 32);
    const Assignment a = cb.assign(x.data(), n);
    const CodebookStats whole = stats_of(cb, x);

    Assignment first, second;
    for (auto* part : {&first, &second}) {
        const std::size_t lo = part == &first ? 0 : half, hi = part == &first ? half : n;
        part->index.assign(a.index.begin() + std::ptrdiff_t(lo), a.index.begin() + std::ptrdiff_t(hi));
        part->sq_distance.assign(a.sq_distance.begin() + std::ptrdiff_t(lo), a.sq_distance.begin() + std::ptrdiff_t(hi));
        part->confidence.assign(a.confidence.begin() + std::ptrdiff_t(lo), a.confidence.begin() + std::ptrdiff_t(hi));
    }
    CodebookStats merged(K, D), other(K, D);
    merged.accumulate(x.data(), half, first);
    other.accumulate(x.data() + half * D, n - half, second);
    merged.merge(other);

    EXPECT_EQ(merged.counts, whole.counts);
    EXPECT_EQ(merged.n, whole.n);
    // Values are summed on a 2^-24 grid, so the split does not change a bit (distributed
    // training relies on it) and the sums stay within 2^-25 per value of the float sums.
    EXPECT_EQ(merged.sums, whole.sums);
    EXPECT_EQ(merged.sq_error, whole.sq_error);
    for (int k = 0; k < K; ++k) {
        for (int j = 0; j < D; ++j) {
            double exact = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (a.index[i] == k) exact += double(x[i * D + std::size_t(j)]);
            }
            const std::size_t at = std::size_t(k * D + j);
            EXPECT_NEAR(whole.sums[at], exact, 0x1p-25 * double(whole.counts[std::size_t(k)]) + 1e-15);
        }
    }
    EXPECT_THROW(merged.merge(CodebookStats(K, D + 1)), InvalidArgument);
}

TEST(Stats, AccumulateChecksTheAssignment) {
    CodebookStats s(4, 2);
    const std::vector<float> x = {0, 0, 1, 1};
    Assignment a;
    a.index = {0, 7};
    a.sq_distance = {0, 0};
    a.confidence = {1, 1};
    EXPECT_THROW(s.accumulate(x.data(), 2, a), InvalidArgument);  // index 7 ≥ K
    EXPECT_THROW(s.accumulate(x.data(), 1, a), InvalidArgument);  // sizes differ
    EXPECT_EQ(s.n, 0u);
}

TEST(MiniBatch, StepIsOneOverTheRunningCount) {
    Codebook cb(2, 2, {0, 0, 10, 10});
    CodebookStats b1(2, 2);
    b1.sums = {1 + 3, 1 + 3, 0, 0};  // vectors (1,1) and (3,3) on code 0
    b1.counts = {2, 0};
    b1.n = 2;
    cb.minibatch_update(b1);
    EXPECT_FLOAT_EQ(cb.codeword(0)[0], 2.0f);  // 0 + (2 − 0)·2/2
    EXPECT_FLOAT_EQ(cb.codeword(1)[0], 10.0f);  // unused: unchanged
    CodebookStats b2(2, 2);
    b2.sums = {8, 8, 4, 6};  // (8,8) on code 0, (4,6) on code 1
    b2.counts = {1, 1};
    b2.n = 2;
    cb.minibatch_update(b2);
    EXPECT_FLOAT_EQ(cb.codeword(0)[0], 4.0f);  // 2 + (8 − 2)·1/3 = mean of 1, 3, 8
    EXPECT_FLOAT_EQ(cb.codeword(1)[0], 4.0f);  // first vector: the codeword becomes it
    EXPECT_FLOAT_EQ(cb.codeword(1)[1], 6.0f);
    EXPECT_EQ(cb.counts(), (std::vector<std::uint64_t>{3, 1}));
    EXPECT_EQ(cb.epoch_usage(), (std::vector<std::uint64_t>{3, 1}));
    cb.begin_epoch();
    EXPECT_EQ(cb.epoch_usage(), (std::vector<std::uint64_t>{0, 0}));
    EXPECT_EQ(cb.counts(), (std::vector<std::uint64_t>{3, 1}));
    EXPECT_THROW(cb.minibatch_update(CodebookStats(3, 2)), InvalidArgument);
}

TEST(Reseed, ReplacesExactlyTheUnusedCodesWithTheWorstCandidates) {
    const int K = 6, D = 2;
    std::vector<float> values(K * D);
    for (int i = 0; i < K * D; ++i) values[std::size_t(i)] = float(i);
    Codebook cb(K, D, values, {9, 9, 9, 9, 9, 9});
    CodebookStats s(K, D);
    s.counts = {1, 0, 2, 1, 0, 0};
    for (int k : {0, 2, 3}) {
        for (int j = 0; j < D; ++j) s.sums[std::size_t(k * D + j)] = double(s.counts[std::size_t(k)]) * values[std::size_t(k * D + j)];
    }
    cb.minibatch_update(s);  // codes 0, 2, 3 used (and unchanged: batch mean = codeword)
    const std::vector<float> cand = {100, 100, 101, 101, 102, 102, 103, 103, 104, 104};
    const std::vector<float> errors = {0.1f, 5.0f, 0.3f, 5.0f, 2.0f};
    const std::vector<int> reseeded = cb.reseed_unused(cand.data(), 5, errors);
    EXPECT_EQ(reseeded, (std::vector<int>{1, 4, 5}));
    EXPECT_EQ(cb.codeword(1)[0], 101.0f);  // error 5, lower index first
    EXPECT_EQ(cb.codeword(4)[0], 103.0f);  // error 5
    EXPECT_EQ(cb.codeword(5)[1], 104.0f);  // error 2
    for (int k : {0, 2, 3}) EXPECT_EQ(cb.codeword(k)[1], values[std::size_t(k * D + 1)]);
    EXPECT_EQ(cb.counts(), (std::vector<std::uint64_t>{10, 0, 11, 10, 0, 0}));

    // Fewer candidates than unused codes: the lowest unused codes are reseeded.
    cb.begin_epoch();
    EXPECT_EQ(cb.reseed_unused(cand.data(), 2, {1.0f, 3.0f}), (std::vector<int>{0, 1}));
    EXPECT_EQ(cb.codeword(0)[0], 101.0f);
    EXPECT_EQ(cb.codeword(1)[0], 100.0f);
    EXPECT_THROW(cb.reseed_unused(cand.data(), 2, {1.0f}), InvalidArgument);
    EXPECT_THROW(cb.reseed_unused(cand.data(), 2, {1.0f, std::nanf("")}), InvalidArgument);
}

TEST(Usage, PerplexityAndUsedFractionOfHandMadeHistograms) {
    EXPECT_DOUBLE_EQ(perplexity({1, 1, 1, 1}), 4.0);
    EXPECT_DOUBLE_EQ(perplexity({5, 0, 0, 0}), 1.0);
    EXPECT_NEAR(perplexity({1, 3}), std::exp(-(0.25 * std::log(0.25) + 0.75 * std::log(0.75))), 1e-12);
    EXPECT_DOUBLE_EQ(used_fraction({5, 0, 0, 0}), 0.25);
    EXPECT_DOUBLE_EQ(used_fraction({2, 7, 0}), 2.0 / 3.0);
    EXPECT_THROW(perplexity({0, 0}), InvalidArgument);
    CodebookStats s(4, 2);
    s.counts = {2, 2, 0, 0};
    s.n = 4;
    s.sq_error = 2.0;
    const CodebookUsage u = usage(s);
    EXPECT_DOUBLE_EQ(u.used_fraction, 0.5);
    EXPECT_DOUBLE_EQ(u.perplexity, 2.0);
    EXPECT_DOUBLE_EQ(u.mse, 2.0 / 8.0);
    EXPECT_THROW(usage(CodebookStats(4, 2)), InvalidArgument);
}

TEST(KMeansPlusPlus, PicksDistinctDataRowsDeterministically) {
    const int D = 5;
    const std::size_t n = 40;
    const auto x = random_data(n, D, 41);
    const CodebookOptions opt{.num_codes = 40, .seed = 7};
    const Codebook a = Codebook::kmeans_plus_plus(x.data(), n, D, opt);
    std::set<std::size_t> rows;
    for (int k = 0; k < a.size(); ++k) {
        for (std::size_t i = 0; i < n; ++i) {
            if (std::equal(a.codeword(k), a.codeword(k) + D, x.data() + i * D)) rows.insert(i);
        }
    }
    EXPECT_EQ(rows.size(), n);  // K = n: every row exactly once
    const CodebookOptions small{.num_codes = 8, .seed = 7};
    EXPECT_EQ(Codebook::kmeans_plus_plus(x.data(), n, D, small).values(),
              Codebook::kmeans_plus_plus(x.data(), n, D, small).values());
    EXPECT_NE(Codebook::kmeans_plus_plus(x.data(), n, D, small).values(),
              Codebook::kmeans_plus_plus(x.data(), n, D, CodebookOptions{.num_codes = 8, .seed = 8}).values());
}

TEST(KMeansPlusPlus, DuplicatedDataStillGivesEveryDistinctValue) {
    // Six copies of a, four of b: D² sampling must take b right after a (or the
    // reverse), then draw the rest among unchosen rows.
    std::vector<float> x;
    for (int i = 0; i < 10; ++i) x.insert(x.end(), {i < 6 ? 0.0f : 1.0f, 0.5f});
    const Codebook cb = Codebook::kmeans_plus_plus(x.data(), 10, 2, CodebookOptions{.num_codes = 8, .seed = 3});
    int zeros = 0, ones = 0;
    for (int k = 0; k < 8; ++k) (cb.codeword(k)[0] == 0.0f ? zeros : ones)++;
    EXPECT_GE(zeros, 4);  // at most 4 b's exist, so at least 4 a's among 8 rows
    EXPECT_GE(ones, 2);   // likewise at most 6 a's
}

TEST(KMeansPlusPlus, MoreCodesThanVectorsIsAnError) {
    const auto x = random_data(3, 4, 1);
    try {
        (void)Codebook::kmeans_plus_plus(x.data(), 3, 4, CodebookOptions{.num_codes = 5});
        FAIL() << "K > n accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "k-means++: needs at least K = 5 vectors, got 3");
    }
    EXPECT_THROW(train_kmeans(x.data(), 3, 4, CodebookOptions{.num_codes = 1}), InvalidArgument);
    auto bad = x;
    bad[5] = std::nanf("");
    EXPECT_THROW(train_kmeans(bad.data(), 3, 4, CodebookOptions{.num_codes = 2}), InvalidArgument);
}

TEST(TrainKMeans, RecoversWellSeparatedClusters) {
    const int K = 5, D = 4, per = 40;
    std::mt19937_64 rng(51);
    std::normal_distribution<float> noise(0.0f, 0.01f);
    std::vector<float> x;
    for (int i = 0; i < K * per; ++i) {
        for (int j = 0; j < D; ++j) x.push_back(float(i % K == j) + noise(rng));  // centers e_0 … e_3 and 0
    }
    const KMeansResult r = train_kmeans(x.data(), std::size_t(K * per), D, CodebookOptions{.num_codes = K, .seed = 1});
    ASSERT_EQ(r.iterations.size(), 20u);
    std::set<int> codes;
    for (int c = 0; c < K; ++c) {
        const Assignment a = r.codebook.assign(x.data() + std::size_t(c * D), 1);
        codes.insert(a.index[0]);
        for (int j = 0; j < D; ++j) EXPECT_NEAR(r.codebook.codeword(a.index[0])[j], float(c == j), 0.01);
    }
    EXPECT_EQ(codes.size(), std::size_t(K));
    for (std::size_t t = 1; t < r.iterations.size(); ++t) {
        EXPECT_LE(r.iterations[t].objective, r.iterations[t - 1].objective * (1 + 1e-6));
        EXPECT_GE(r.iterations[t].seconds, r.iterations[t - 1].seconds);
    }
    const KMeansResult again = train_kmeans(x.data(), std::size_t(K * per), D, CodebookOptions{.num_codes = K, .seed = 1});
    EXPECT_EQ(again.codebook.checksum(), r.codebook.checksum());
}

TEST(TrainKMeans, ReseedsEmptyClusters) {
    // Eight codes for data with three distinct values: k-means++ takes all
    // three, Lloyd leaves the duplicate codes empty and they are re-seeded.
    std::vector<float> x;
    for (int i = 0; i < 30; ++i) x.push_back(float(i % 3));
    const KMeansResult r = train_kmeans(x.data(), 30, 1, CodebookOptions{.num_codes = 8, .seed = 2, .kmeans_iterations = 3});
    int reseeded = 0;
    for (const auto& it : r.iterations) reseeded += it.reseeded;
    EXPECT_GT(reseeded, 0);
    EXPECT_EQ(r.iterations.back().objective, 0.0);
}

}  // namespace
}  // namespace lidecm
