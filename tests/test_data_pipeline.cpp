// The training data pipeline on photo-like folders: the buffered epoch order, one
// decode per file per epoch, the cache at the files' own depth, reduced JPEG
// decoding, and files that fail once training has started.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "lidecm/data/dataset.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/trainer.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class DataPipeline : public test::TempFolderTest {
protected:
    DataPipeline() : TempFolderTest("pipeline") {}

    // `n` photos of different sizes: with R = 16, photo k has (2 + k % 3) × (3 + k % 2) tiles.
    void write_photos(int n, const std::string& folder = "photos") const {
        fs::create_directories(dir + "/" + folder);
        for (int k = 0; k < n; ++k) {
            const Image img = test::noise_texture(32 + 16 * (k % 3) + 5, 48 + 16 * (k % 2) + 3, 3, std::uint64_t(k));
            save_image(img, dir + "/" + folder + "/p" + std::to_string(10 + k) + ".png");
        }
    }
    [[nodiscard]] DatasetOptions tiles(std::size_t buffer) const {
        DatasetOptions o;
        o.resolution = 16;
        o.tiles = true;
        o.shuffle_buffer = buffer;
        o.cache_bytes = 0;
        o.seed = 7;
        return o;
    }
};

std::vector<std::string> names_of(BatchLoader& loader) {
    std::vector<std::string> names;
    while (auto batch = loader.next()) {
        for (const Item& it : batch->items) names.push_back(it.name);
    }
    return names;
}

std::string file_of(const std::string& tile_name) { return tile_name.substr(0, tile_name.find('@')); }

TEST_F(DataPipeline, BufferedOrderIsAPermutationFilledImageByImage) {
    write_photos(12);
    const std::size_t buffer = 20;
    const Dataset d = Dataset::open(dir + "/photos", tiles(buffer));
    const std::vector<std::size_t>& train = d.train_indices();
    std::map<std::string, std::size_t> tiles_of;
    for (const std::size_t i : train) ++tiles_of[file_of(d.name(i))];
    std::size_t most = 0;
    for (const auto& [file, n] : tiles_of) most = std::max(most, n);
    for (int epoch = 0; epoch < 3; ++epoch) {
        const std::vector<std::size_t> order = d.epoch_order(epoch);
        std::vector<std::size_t> sorted = order;
        std::sort(sorted.begin(), sorted.end());
        ASSERT_EQ(sorted, train);  // every training tile exactly once
        EXPECT_EQ(order, Dataset::open(dir + "/photos", tiles(buffer)).epoch_order(epoch));
        // A photo is read only while the buffer holds fewer than S items, so after p
        // draws the photos touched hold at most p + S + (one photo) items.
        std::set<std::string> touched;
        std::size_t touched_items = 0;
        for (std::size_t p = 0; p < order.size(); ++p) {
            if (touched.insert(file_of(d.name(order[p]))).second) touched_items += tiles_of[file_of(d.name(order[p]))];
            ASSERT_LE(touched_items, p + 1 + buffer + most) << "epoch " << epoch << ", position " << p;
        }
    }
    EXPECT_NE(d.epoch_order(0), d.epoch_order(1));
    // A buffer as large as the data is the full shuffle.
    EXPECT_EQ(Dataset::open(dir + "/photos", tiles(train.size())).epoch_order(2),
              Dataset::open(dir + "/photos", tiles(0)).epoch_order(2));
    EXPECT_EQ(d.uniform_order(2), Dataset::open(dir + "/photos", tiles(0)).epoch_order(2));
    // The first draws of the buffered order come from the few photos read first; a
    // sample of the uniform order (the codebook's start) spreads over all of them.
    std::set<std::string> buffered, uniform;
    for (std::size_t p = 0; p < 12; ++p) {
        buffered.insert(file_of(d.name(d.epoch_order(0)[p])));
        uniform.insert(file_of(d.name(d.uniform_order(0)[p])));
    }
    EXPECT_GT(uniform.size(), buffered.size());
    // The log line saying how many photos mix at a time: 20 / (train tiles per photo).
    const std::string mixing = d.shuffle_description();
    const auto per_photo = double(train.size()) / double(tiles_of.size());
    EXPECT_NE(mixing.find("20 of " + std::to_string(train.size()) + " training items, about " +
                          std::to_string(std::llround(20.0 / per_photo)) + " of " + std::to_string(tiles_of.size()) +
                          " images"),
              std::string::npos)
        << mixing;
    EXPECT_EQ(Dataset::open(dir + "/photos", tiles(0)).shuffle_description(), "");
    EXPECT_EQ(Dataset::open(dir + "/photos", tiles(train.size())).shuffle_description(), "");
}

TEST_F(DataPipeline, EveryTileOnceAndEveryFileDecodedOncePerEpoch) {
    write_photos(12);
    const Dataset d = Dataset::open(dir + "/photos", tiles(20));
    std::multiset<std::string> expected;
    std::set<std::string> files;
    for (const std::size_t i : d.train_indices()) {
        expected.insert(d.name(i));
        files.insert(file_of(d.name(i)));
    }
    for (const int threads : {1, 2, 3}) {
        for (const std::size_t ahead : {std::size_t(1), std::size_t(0)}) {
            LoaderOptions lo;
            lo.epoch = threads;
            lo.batch_size = 5;
            lo.decode_threads = threads;
            lo.files_ahead = ahead;
            BatchLoader loader(d, lo);
            const std::vector<std::string> names = names_of(loader);
            EXPECT_EQ(std::multiset<std::string>(names.begin(), names.end()), expected);
            EXPECT_EQ(loader.decodes(), files.size()) << threads << " threads, " << ahead << " ahead";
        }
    }
}

TEST_F(DataPipeline, BatchesAreTheSameForAnyThreadCountAndCacheSize) {
    write_photos(9);
    for (const std::size_t cache : {std::size_t(0), std::size_t(40'000), std::size_t(1) << 30}) {
        DatasetOptions o = tiles(15);
        o.cache_bytes = cache;
        const Dataset d = Dataset::open(dir + "/photos", o);
        const Dataset reference = Dataset::open(dir + "/photos", tiles(15));
        for (const int threads : {1, 4}) {
            LoaderOptions lo;
            lo.epoch = 3;
            lo.batch_size = 7;
            lo.decode_threads = threads;
            lo.files_ahead = 2;
            for (int pass = 0; pass < 2; ++pass) {  // the second pass finds files in the cache
                BatchLoader loader(d, lo);
                std::size_t b = 0;
                while (auto batch = loader.next()) {
                    const Batch want = reference.batch(Split::train, 3, b++, 7);
                    ASSERT_EQ(batch->items.size(), want.items.size());
                    for (std::size_t i = 0; i < want.items.size(); ++i) {
                        EXPECT_EQ(batch->items[i].name, want.items[i].name);
                        EXPECT_TRUE(batch->items[i].image.data == want.items[i].image.data) << want.items[i].name;
                    }
                }
                EXPECT_EQ(b, reference.batch_count(Split::train, 7));
            }
        }
    }
}

TEST_F(DataPipeline, RanksShareEveryBatchStridedAndTogetherDeliverIt) {
    write_photos(7);
    const Dataset d = Dataset::open(dir + "/photos", tiles(12));
    for (const int ranks : {2, 3, 8}) {  // 8 > batch size: some ranks get nothing of a batch
        LoaderOptions lo;
        lo.epoch = 1;
        lo.batch_size = 5;
        lo.ranks = ranks;
        std::vector<std::vector<Batch>> shares(std::size_t(ranks), std::vector<Batch>{});
        for (int r = 0; r < ranks; ++r) {
            lo.rank = r;
            BatchLoader loader(d, lo);
            while (auto batch = loader.next()) shares[std::size_t(r)].push_back(std::move(*batch));
        }
        const std::size_t batches = d.batch_count(Split::train, 5);
        for (std::size_t b = 0; b < batches; ++b) {
            const Batch want = d.batch(Split::train, 1, b, 5);
            std::vector<std::string> got(want.items.size());
            std::size_t delivered = 0;
            for (int r = 0; r < ranks; ++r) {
                ASSERT_EQ(shares[std::size_t(r)].size(), batches) << "every rank sees every batch";
                const Batch& mine = shares[std::size_t(r)][b];
                ASSERT_EQ(mine.places.size(), mine.items.size());
                for (std::size_t i = 0; i < mine.items.size(); ++i) {
                    EXPECT_EQ(mine.places[i] % std::size_t(ranks), std::size_t(r));
                    got.at(mine.places[i]) = mine.items[i].name;
                    EXPECT_TRUE(mine.items[i].image.data == want.items[mine.places[i]].image.data);
                }
                delivered += mine.items.size();
            }
            EXPECT_EQ(delivered, want.items.size());
            for (std::size_t p = 0; p < want.items.size(); ++p) EXPECT_EQ(got[p], want.items[p].name) << p;
            EXPECT_EQ(want.places.size(), want.items.size());
        }
    }
    LoaderOptions bad;
    bad.rank = 2;
    bad.ranks = 2;
    EXPECT_THROW(validate(bad), InvalidArgument);
}

TEST_F(DataPipeline, CacheHoldsFilesAtTheirOwnDepth) {
    fs::create_directories(dir + "/eight");
    save_image(test::noise_texture(40, 70, 3, 1), dir + "/eight/a.png");
    save_image(test::noise_texture(40, 70, 3, 2), dir + "/eight/b.png");
    fs::create_directories(dir + "/sixteen");
    save_image(test::noise_texture(40, 70, 3, 3), dir + "/sixteen/a.png", SampleDepth::U16);
    save_image(test::noise_texture(40, 70, 3, 4), dir + "/sixteen/b.png", SampleDepth::U16);
    const std::size_t bytes = 40 * 70 * 3;  // one 8-bit photo; float would take 4×
    const auto second_epoch_decodes = [&](const std::string& folder, std::size_t cache) {
        DatasetOptions o = tiles(0);
        o.validation_fraction = 0;
        o.cache_bytes = cache;
        const Dataset d = Dataset::open(dir + "/" + folder, o);
        LoaderOptions lo;
        { BatchLoader first(d, lo); (void)names_of(first); }
        lo.epoch = 1;
        BatchLoader second(d, lo);
        (void)names_of(second);
        EXPECT_EQ(d.decodes(), 2 + second.decodes());
        return second.decodes();
    };
    EXPECT_EQ(second_epoch_decodes("eight", 2 * bytes), 0u);
    EXPECT_EQ(second_epoch_decodes("eight", 2 * bytes - 1), 1u);
    EXPECT_EQ(second_epoch_decodes("sixteen", 2 * bytes), 1u);
    EXPECT_EQ(second_epoch_decodes("sixteen", 4 * bytes), 0u);
}

double psnr_of(const Image& a, const Image& b) { return psnr(a, b); }

TEST_F(DataPipeline, LargeJpegsAreDecodedReducedAndCloseToFull) {
    fs::create_directories(dir + "/jpeg");
    const Image photo = test::colour_blobs(300, 400);
    save_image(photo, dir + "/jpeg/big.jpg");
    DatasetOptions o;
    o.resolution = 32;
    o.validation_fraction = 0;
    const Image reduced = Dataset::open(dir + "/jpeg", o).item(0).image;  // 300 / 4 = 75 ≥ 2R
    o.reduced_decode = false;
    const Image full = Dataset::open(dir + "/jpeg", o).item(0).image;
    const Image exact = center_crop(resize_shorter_side(load_image(dir + "/jpeg/big.jpg"), 32), 32, 32);
    for (std::size_t i = 0; i < exact.data.size(); ++i) ASSERT_NEAR(full.data[i], exact.data[i], 1e-5);
    EXPECT_NE(reduced.data, full.data);
    EXPECT_GT(psnr_of(reduced, full), 35.0);
}

TEST_F(DataPipeline, AFileThatFailsDuringTrainingIsLoggedAndLeftOut) {
    const std::string data = dir + "/data";
    test::write_two_class_folder(data, 6, 40);
    std::vector<unsigned char> bytes = test::read_file(data + "/smooth/0.png");
    bytes.resize(bytes.size() / 2);  // the header is whole: the damage shows when decoding
    write("data/smooth/cut.png", bytes);
    TrainConfig config = test::tiny_train_config(data);
    std::vector<std::string> logs;
    TrainEvents events;
    events.on_log = [&](const std::string& line) { logs.push_back(line); };
    const TrainResult r = train(config, dir + "/run", events);
    EXPECT_FALSE(r.interrupted);
    const auto failed = std::count_if(logs.begin(), logs.end(), [](const std::string& line) {
        return line.find("cut.png") != std::string::npos && line.find("skipped") == 0;
    });
    EXPECT_EQ(failed, 1) << "logged once, not once per epoch";
    DatasetOptions split = config.dataset;
    split.seed = config.seed;  // as the trainer opens it
    const Dataset d = Dataset::open(data, split);
    const auto good = std::count_if(d.train_indices().begin(), d.train_indices().end(),
                                    [&](std::size_t i) { return d.name(i) != "smooth/cut.png"; });
    EXPECT_EQ(r.model.progress.images, std::uint64_t(config.epochs) * std::uint64_t(good));
}

TEST_F(DataPipeline, TiledRunInterruptedAndResumedEqualsUninterrupted) {
    write_photos(10, "data/photos");
    TrainConfig config = test::tiny_train_config(dir + "/data");
    config.dataset.tiles = true;
    config.dataset.resolution = 16;
    config.dataset.shuffle_buffer = 12;
    config.dataset.cache_bytes = 0;
    config.batch_size = 8;
    config.epochs = 2;
    train(config, dir + "/whole", {});
    int batches = 0;
    TrainEvents events;
    events.on_batch = [&](const BatchMetrics&, std::uint64_t) { ++batches; };
    events.stop_requested = [&] { return batches == 3; };
    EXPECT_TRUE(train(config, dir + "/parts", events).interrupted);
    events.stop_requested = {};
    EXPECT_FALSE(resume_training(dir + "/parts", events).interrupted);
    EXPECT_EQ(test::read_file(dir + "/whole/model.lidecm"), test::read_file(dir + "/parts/model.lidecm"));
}

}  // namespace
}  // namespace lidecm
