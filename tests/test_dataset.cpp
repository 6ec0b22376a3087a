// Datasets: CIFAR files and image folders built here with known contents, the
// split, epoch orders, augmentation, prefetching and every bad input.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "lidecm/data/dataset.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/data/samples.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

/// Expects `f` to throw E with a message containing `part`.
template <class E, class F>
void expect_throw(F f, const std::string& part) {
    try {
        f();
        ADD_FAILURE() << "no exception; expected one saying: " << part;
    } catch (const E& e) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
}

void expect_contains(const std::string& text, const std::string& part) {
    EXPECT_NE(text.find(part), std::string::npos) << text;
}

// Pixel byte of CIFAR record r, channel c, position p: distinct per plane so a
// plane-order mistake shows.
unsigned char cifar_byte(std::size_t r, std::size_t c, std::size_t p) {
    return static_cast<unsigned char>((r * 7 + c * 85 + p * 3) % 256);
}

// Exact equality of two items' contents.
void expect_same(const Item& a, const Item& b) {
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.label, b.label);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.image.height, b.image.height);
    EXPECT_EQ(a.image.channels, b.image.channels);
    EXPECT_TRUE(a.image.data == b.image.data) << a.name;
}

// Resampled items are kept at 16 bits: within half a 16-bit level of the float result.
void expect_near(const Image& a, const Image& b, const std::string& what) {
    ASSERT_EQ(a.data.size(), b.data.size()) << what;
    for (std::size_t i = 0; i < a.data.size(); ++i) ASSERT_NEAR(a.data[i], b.data[i], 0.5 / 65535 + 1e-7) << what;
}

void expect_same(const Batch& a, const Batch& b) {
    EXPECT_EQ(a.epoch, b.epoch);
    EXPECT_EQ(a.index, b.index);
    ASSERT_EQ(a.items.size(), b.items.size());
    for (std::size_t i = 0; i < a.items.size(); ++i) expect_same(a.items[i], b.items[i]);
}

class DatasetTest : public test::TempFolderTest {
protected:
    DatasetTest() : TempFolderTest("dataset") {}

    void write_text(const std::string& name, const std::string& text) const {
        std::ofstream(path(name)) << text;
    }
    /// Records first_record … with the given labels; `prefix` bytes (CIFAR-100's coarse label) come first.
    void write_cifar(const std::string& name, std::size_t first_record, const std::vector<int>& labels,
                     bool cifar100 = false) const {
        std::vector<unsigned char> bytes;
        for (std::size_t k = 0; k < labels.size(); ++k) {
            if (cifar100) bytes.push_back(static_cast<unsigned char>(labels[k] / 5));  // coarse label
            bytes.push_back(static_cast<unsigned char>(labels[k]));
            for (std::size_t c = 0; c < 3; ++c) {
                for (std::size_t p = 0; p < 1024; ++p) bytes.push_back(cifar_byte(first_record + k, c, p));
            }
        }
        write(name, bytes);
    }
    void save(const Image& image, const std::string& name) const {
        fs::create_directories(fs::path(path(name)).parent_path());
        save_image(image, path(name));
    }
    /// `n` records labelled k % 10, in one CIFAR-10 file.
    Dataset cifar(std::size_t n, DatasetOptions options = {}) const {
        std::vector<int> labels;
        for (std::size_t k = 0; k < n; ++k) labels.push_back(int(k % 10));
        write_cifar("data_batch_1.bin", 0, labels);
        return Dataset::open(dir, options);
    }
};

DatasetOptions at32() {
    DatasetOptions o;
    o.resolution = 32;  // CIFAR's own size: no resampling, so the bytes come back exactly
    return o;
}

// ---- CIFAR -------------------------------------------------------------------

TEST_F(DatasetTest, Cifar10DecodesPlanesAndLabelsExactly) {
    write_cifar("data_batch_1.bin", 0, {3, 0, 9});
    write_cifar("data_batch_2.bin", 3, {7, 1});
    write_cifar("test_batch.bin", 100, {5});  // not read by default: there are training files
    const Dataset d = Dataset::open(dir, at32());
    ASSERT_EQ(d.size(), 5u);
    EXPECT_EQ(d.class_names(), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
    const std::vector<int> labels = {3, 0, 9, 7, 1};
    for (std::size_t r = 0; r < 5; ++r) {
        const Item it = d.item(r);
        EXPECT_EQ(it.label, labels[r]);
        ASSERT_EQ(it.image.height, 32);
        ASSERT_EQ(it.image.width, 32);
        ASSERT_EQ(it.image.channels, 3);
        for (int y = 0; y < 32; ++y) {
            for (int x = 0; x < 32; ++x) {
                for (int c = 0; c < 3; ++c) {
                    ASSERT_FLOAT_EQ(it.image.at(y, x, c), float(cifar_byte(r, c, std::size_t(y * 32 + x))) / 255.0f)
                        << r << " " << y << " " << x << " " << c;
                }
            }
        }
    }
    EXPECT_EQ(d.name(0), "data_batch_1.bin#0");
    EXPECT_EQ(d.name(2), "data_batch_1.bin#2");
    EXPECT_EQ(d.name(4), "data_batch_2.bin#1");
}

TEST_F(DatasetTest, Cifar10PartsAndSingleFile) {
    write_cifar("data_batch_1.bin", 0, {1, 2});
    write_cifar("test_batch.bin", 2, {4, 5, 6});
    DatasetOptions o = at32();
    o.cifar_part = CifarPart::test;
    EXPECT_EQ(Dataset::open(dir, o).size(), 3u);
    o.cifar_part = CifarPart::all;
    const Dataset all = Dataset::open(dir, o);
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all.name(2), "test_batch.bin#0");
    EXPECT_EQ(all.label(4), 6);

    const Dataset one = Dataset::open(path("test_batch.bin"), at32());
    ASSERT_EQ(one.size(), 3u);
    expect_same(one.item(1), [&] { Item it = all.item(3); it.index = 1; return it; }());

    fs::remove(path("data_batch_1.bin"));  // only a test file left: used automatically
    EXPECT_EQ(Dataset::open(dir, at32()).size(), 3u);
    o.cifar_part = CifarPart::train;
    expect_throw<IoError>([&] { (void)Dataset::open(dir, o); }, "no CIFAR-10 training file");
}

TEST_F(DatasetTest, Cifar10ClassNamesFromMetaFile) {
    write_cifar("data_batch_1.bin", 0, {2});
    write_text("batches.meta.txt", "airplane\nautomobile\r\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
    const Dataset d = Dataset::open(dir, at32());
    ASSERT_EQ(d.class_names().size(), 10u);
    EXPECT_EQ(d.class_names()[1], "automobile");
    EXPECT_EQ(d.class_names()[d.label(0)], "bird");
}

TEST_F(DatasetTest, CifarWrongSizeAndBadLabelsAreRefused) {
    write("data_batch_1.bin", std::vector<unsigned char>(1000, 0));
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, "data_batch_1.bin: size 1000 is not a multiple of the 3073-byte CIFAR-10 record");
    write("data_batch_1.bin", {});
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, "empty");
    write_cifar("data_batch_1.bin", 0, {1, 10});
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, "record 1 has label 10");
    write_cifar("data_batch_1.bin", 0, {1, 2});
    write_text("batches.meta.txt", "a\nb\n");  // 2 classes: label 2 is out of range
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, "record 1 has label 2, outside the 2 classes");
}

TEST_F(DatasetTest, Cifar100UsesFineLabelsAndNames) {
    write_cifar("train.bin", 0, {42, 99, 0}, true);
    std::string names;
    for (int i = 0; i < 100; ++i) names += "class" + std::to_string(i) + "\n";
    write_text("fine_label_names.txt", names);
    const Dataset d = Dataset::open(dir, at32());
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d.label(0), 42);
    EXPECT_EQ(d.label(1), 99);
    EXPECT_EQ(d.class_names()[99], "class99");
    EXPECT_EQ(d.name(1), "train.bin#1");
    const Item it = d.item(1);
    for (int c = 0; c < 3; ++c) {
        EXPECT_FLOAT_EQ(it.image.at(0, 0, c), float(cifar_byte(1, std::size_t(c), 0)) / 255.0f);
        EXPECT_FLOAT_EQ(it.image.at(31, 5, c), float(cifar_byte(1, std::size_t(c), 31 * 32 + 5)) / 255.0f);
    }
    write("test.bin", std::vector<unsigned char>(3073, 0));
    expect_throw<IoError>([&] { (void)Dataset::open(path("test.bin")); }, "3074-byte CIFAR-100 record");
}

TEST_F(DatasetTest, CifarIsResizedAndConvertedToGrey) {
    std::vector<unsigned char> bytes = {4};
    for (const unsigned char v : {200, 100, 50}) bytes.insert(bytes.end(), 1024, v);
    write("test_batch.bin", bytes);
    const Item rgb = Dataset::open(dir).item(0);  // R = 64: upscaled
    ASSERT_EQ(rgb.image.height, 64);
    ASSERT_EQ(rgb.image.width, 64);
    EXPECT_NEAR(rgb.image.at(10, 50, 0), 200.0f / 255, 1e-5);
    EXPECT_NEAR(rgb.image.at(63, 0, 2), 50.0f / 255, 1e-5);
    DatasetOptions grey;
    grey.channels = 1;
    grey.resolution = 16;
    const Item g = Dataset::open(dir, grey).item(0);
    ASSERT_EQ(g.image.channels, 1);
    ASSERT_EQ(g.image.height, 16);
    EXPECT_NEAR(g.image.at(3, 3, 0), (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255, 1e-5);
}

// ---- image folders -----------------------------------------------------------

TEST_F(DatasetTest, FolderClassesAreFirstLevelSubfoldersSorted) {
    save(test::gradient(20, 30, 3), "cats/b.png");
    save(test::checkerboard(20, 20, 3, 4), "cats/a.PNG");
    save(test::stripes(24, 24, 1, 3), "dogs/deep/c.pgm");
    save(test::constant(20, 20, 3, 0.5f), "birds/z.bmp");
    save(test::constant(20, 20, 3, 0.5f), "loose.png");  // in the root: belongs to no class
    write_text("cats/notes.txt", "not an image");
    const Dataset d = Dataset::open(dir, at32());
    EXPECT_EQ(d.class_names(), (std::vector<std::string>{"birds", "cats", "dogs"}));
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d.name(0), "birds/z.bmp");
    EXPECT_EQ(d.name(1), "cats/a.PNG");
    EXPECT_EQ(d.name(2), "cats/b.png");
    EXPECT_EQ(d.name(3), "dogs/deep/c.pgm");
    EXPECT_EQ(d.label(0), 0);
    EXPECT_EQ(d.label(1), 1);
    EXPECT_EQ(d.label(2), 1);
    EXPECT_EQ(d.label(3), 2);
    ASSERT_EQ(d.skipped().size(), 1u);
    expect_contains(d.skipped()[0].path, "loose.png");
    expect_contains(d.skipped()[0].reason, "root");
    const Item grey = d.item(3);  // grey file, replicated to 3 channels
    ASSERT_EQ(grey.image.channels, 3);
    EXPECT_EQ(grey.image.at(5, 7, 0), grey.image.at(5, 7, 2));
}

TEST_F(DatasetTest, FolderWithoutSubfoldersIsOneClassAndMatchesResizeCrop) {
    const std::string root = path("photos");
    save(test::colour_blobs(40, 80), "photos/wide.png");
    save(test::gradient(90, 45, 3), "photos/tall.png");
    DatasetOptions o;
    o.resolution = 24;
    const Dataset d = Dataset::open(root, o);
    EXPECT_EQ(d.class_names(), (std::vector<std::string>{"photos"}));
    ASSERT_EQ(d.size(), 2u);
    EXPECT_TRUE(d.skipped().empty());
    for (std::size_t i = 0; i < 2; ++i) {
        const Image file = load_image(root + "/" + d.name(i));
        const Image expected = center_crop(resize_shorter_side(file, 24), 24, 24);
        expect_near(d.item(i).image, expected, d.name(i));
    }
    o.cache_bytes = 0;  // decoded again on use: the same values
    const Dataset uncached = Dataset::open(root, o);
    for (std::size_t i = 0; i < 2; ++i) expect_same(uncached.item(i), d.item(i));
}

TEST_F(DatasetTest, TilesCutEachImageAtItsOwnResolution) {
    const std::string root = path("photos");
    save(test::colour_blobs(40, 70), "photos/a.png");   // 2 rows x 4 columns of 16x16, border left out
    save(test::gradient(10, 30, 3), "photos/b.png");    // enlarged to 16 x 48: 1 x 3 tiles
    DatasetOptions o;
    o.resolution = 16;
    o.tiles = true;
    const Dataset d = Dataset::open(root, o);
    ASSERT_EQ(d.size(), 11u);
    EXPECT_NE(d.description().find("2 of 2 image files in 11 tiles of 16x16"), std::string::npos) << d.description();
    EXPECT_EQ(d.name(0), "a.png@0,0");
    EXPECT_EQ(d.name(7), "a.png@48,16");
    EXPECT_EQ(d.name(10), "b.png@32,0");
    const Image a = load_image(root + "/a.png");
    const Image b = resize_shorter_side(load_image(root + "/b.png"), 16);
    ASSERT_EQ(b.width, 48);
    EXPECT_TRUE(d.item(7).image.data == crop(a, 16, 48, 16, 16).data);
    expect_near(d.item(10).image, crop(b, 0, 32, 16, 16), "enlarged b.png");
    o.cache_bytes = 0;  // decoded again on use: the same tiles
    const Dataset uncached = Dataset::open(root, o);
    for (std::size_t i = 0; i < d.size(); ++i) expect_same(uncached.item(i), d.item(i));
    o.channels = 1;
    EXPECT_EQ(Dataset::open(root, o).item(3).image.channels, 1);
}

TEST_F(DatasetTest, TilesOfAnImageStayOnOneSideOfTheSplit) {
    for (int k = 0; k < 10; ++k) save(test::noise_texture(32, 33, 3, std::uint64_t(k)), "p/" + std::to_string(k) + ".png");
    DatasetOptions o;
    o.resolution = 16;
    o.tiles = true;
    o.validation_fraction = 0.2;
    const Dataset d = Dataset::open(path("p"), o);
    ASSERT_EQ(d.size(), 40u);
    ASSERT_EQ(d.validation_indices().size(), 8u);  // 2 of 10 images, 4 tiles each
    const auto file = [&](std::size_t i) { return d.name(i).substr(0, d.name(i).find('@')); };
    std::set<std::string> held;
    for (const std::size_t v : d.validation_indices()) held.insert(file(v));
    EXPECT_EQ(held.size(), 2u);
    std::set<std::size_t> all(d.validation_indices().begin(), d.validation_indices().end());
    for (const std::size_t t : d.train_indices()) {
        EXPECT_EQ(held.count(file(t)), 0u) << d.name(t);
        EXPECT_TRUE(all.insert(t).second) << t;
    }
    EXPECT_EQ(all.size(), 40u);
    EXPECT_EQ(Dataset::open(path("p"), o).validation_indices(), d.validation_indices());
    // A sample of the validation set reaches both held-out images, not the first one's tiles only.
    const std::vector<std::size_t> two = d.validation_sample(2);
    ASSERT_EQ(two.size(), 2u);
    EXPECT_NE(file(two[0]), file(two[1]));
    EXPECT_EQ(d.validation_sample(0), d.validation_indices());
    EXPECT_EQ(d.validation_sample(100), d.validation_indices());
    // One image: its tiles cannot be split by image, so validation is the training set.
    const Dataset one = Dataset::open(path("p/3.png"), o);
    EXPECT_EQ(one.size(), 4u);
    EXPECT_TRUE(one.validation_is_training());
}

TEST_F(DatasetTest, TilesAreNotForCifar) {
    write_cifar("data_batch_1.bin", 0, {1, 2, 3});
    DatasetOptions o = at32();
    o.tiles = true;
    expect_throw<InvalidArgument>([&] { (void)Dataset::open(dir, o); }, "tiles");
    o.format = DatasetFormat::cifar10;
    expect_throw<InvalidArgument>([&] { (void)Dataset::open(path("data_batch_1.bin"), o); }, "tiles");
}

TEST_F(DatasetTest, EmptyAndMissingSourcesAreErrors) {
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, dir + ": no image files");
    write_text("readme.txt", "hello");
    fs::create_directories(path("empty_class"));
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, dir + ": no image files");
    expect_throw<IoError>([&] { (void)Dataset::open(path("nope")); }, "nope: no such file or folder");
}

TEST_F(DatasetTest, FolderWithOnlyBadFilesIsAnError) {
    write("a/one.png", {1, 2, 3, 4, 5});
    write("b/two.jpg", {});
    expect_throw<IoError>([&] { (void)Dataset::open(dir); }, dir + ": none of the 2 image files could be read");
}

TEST_F(DatasetTest, BadFilesAreSkippedAndCountedNeverReplaced) {
    save(test::gradient(20, 20, 3), "a/good1.png");
    save(test::checkerboard(20, 20, 3, 2), "a/good2.png");
    save(test::stripes(20, 20, 3, 2), "b/good3.png");
    std::vector<unsigned char> truncated = test::read_file(path("a/good1.png"));
    truncated.resize(truncated.size() / 2);  // a valid header, a body cut short
    write("a/cut.png", truncated);
    write("b/garbage.jpg", {0xFF, 0xD8, 0x00, 0x01});
    for (int run = 0; run < 2; ++run) {  // same outcome every time
        const Dataset d = Dataset::open(dir, at32());
        // Opening reads headers only: cut.png's is whole, garbage.jpg's is not.
        ASSERT_EQ(d.size(), 4u);
        EXPECT_EQ(d.name(0), "a/cut.png");
        EXPECT_EQ(d.name(1), "a/good1.png");
        EXPECT_EQ(d.name(3), "b/good3.png");
        ASSERT_EQ(d.skipped().size(), 1u);
        expect_contains(d.skipped()[0].path, "garbage.jpg");
        expect_contains(d.skipped()[0].reason, "garbage.jpg");
        // cut.png fails when first decoded: its item is left out and the file listed, once.
        EXPECT_TRUE(d.failures().empty());
        const std::vector<Item> items = d.items({0, 1, 2, 3});
        ASSERT_EQ(items.size(), 3u);
        EXPECT_EQ(items[0].name, "a/good1.png");
        ASSERT_EQ(d.failures().size(), 1u);
        expect_contains(d.failures()[0].path, "cut.png");
        expect_contains(d.failures()[0].reason, "cut.png");
        expect_throw<IoError>([&] { (void)d.item(0); }, "cut.png");
        EXPECT_EQ(d.failures().size(), 1u);
    }
}

TEST_F(DatasetTest, SingleImageIsItsOwnValidationSet) {
    save(test::gradient(30, 50, 3), "one.png");
    const Dataset d = Dataset::open(path("one.png"));
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d.class_names(), (std::vector<std::string>{"one"}));
    EXPECT_TRUE(d.validation_is_training());
    EXPECT_EQ(d.train_indices(), (std::vector<std::size_t>{0}));
    EXPECT_EQ(d.validation_indices(), (std::vector<std::size_t>{0}));
    EXPECT_EQ(d.item(0).image.height, 64);
    write("bad.png", {1, 2, 3});
    expect_throw<IoError>([&] { (void)Dataset::open(path("bad.png")); }, "bad.png");
}

TEST_F(DatasetTest, BuiltInSamples) {
    std::vector<fs::path> files;
    try {
        files = sample_images();
    } catch (const IoError&) {
        GTEST_SKIP() << "data/samples missing (run scripts/samples.sh)";
    }
    DatasetOptions o;
    o.resolution = 16;
    const Dataset d = Dataset::open("samples", o);
    EXPECT_EQ(d.size() + d.skipped().size(), files.size());
    EXPECT_EQ(d.size(), files.size());
    EXPECT_EQ(d.class_names(), (std::vector<std::string>{"samples"}));
    EXPECT_EQ(d.name(0), files[0].filename().string());
}

// ---- split, order, augmentation ----------------------------------------------

TEST_F(DatasetTest, SplitIsDeterministicDisjointAndComplete) {
    const Dataset d = cifar(50, at32());
    ASSERT_EQ(d.validation_indices().size(), 5u);
    ASSERT_EQ(d.train_indices().size(), 45u);
    std::set<std::size_t> all(d.train_indices().begin(), d.train_indices().end());
    for (const std::size_t v : d.validation_indices()) EXPECT_TRUE(all.insert(v).second) << v;
    EXPECT_EQ(all.size(), 50u);
    EXPECT_EQ(Dataset::open(dir, at32()).validation_indices(), d.validation_indices());
    DatasetOptions other = at32();
    other.seed = 7;
    EXPECT_NE(Dataset::open(dir, other).validation_indices(), d.validation_indices());
    other.validation_fraction = 0;
    EXPECT_TRUE(Dataset::open(dir, other).validation_indices().empty());
    EXPECT_EQ(Dataset::open(dir, other).train_indices().size(), 50u);
}

TEST_F(DatasetTest, TwoItemsKeepOneForValidation) {
    const Dataset d = cifar(2, at32());
    EXPECT_EQ(d.validation_indices().size(), 1u);
    EXPECT_EQ(d.train_indices().size(), 1u);
    EXPECT_FALSE(d.validation_is_training());
}

TEST_F(DatasetTest, EpochOrderIsAReproduciblePermutation) {
    const Dataset d = cifar(40, at32());
    const std::vector<std::size_t> e0 = d.epoch_order(0);
    const std::vector<std::size_t> e1 = d.epoch_order(1);
    std::vector<std::size_t> sorted = e1;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, d.train_indices());
    EXPECT_NE(e0, e1);
    EXPECT_NE(e1, d.train_indices());
    EXPECT_EQ(Dataset::open(dir, at32()).epoch_order(1), e1);  // a resumed run sees the same order
    const Batch b = d.batch(Split::train, 1, 2, 8);
    ASSERT_EQ(b.items.size(), 8u);
    for (std::size_t k = 0; k < 8; ++k) EXPECT_EQ(b.items[k].index, e1[16 + k]);
    EXPECT_EQ(d.batch_count(Split::train, 8), 5u);  // 36 items
    EXPECT_EQ(d.batch(Split::train, 1, 4, 8).items.size(), 4u);
    EXPECT_EQ(d.batch_count(Split::train, 8, 3), 3u);
}

TEST_F(DatasetTest, AugmentationIsReproducibleAndOffForValidation) {
    DatasetOptions o = at32();
    const Dataset d = cifar(20, o);
    const Dataset again = Dataset::open(dir, o);
    bool changed = false;
    bool differs_by_epoch = false;
    for (const std::size_t i : d.train_indices()) {
        const Item plain = d.item(i);
        const Item a = d.train_item(i, 3);
        expect_same(a, again.train_item(i, 3));
        changed = changed || a.image.data != plain.image.data;
        differs_by_epoch = differs_by_epoch || a.image.data != d.train_item(i, 4).image.data;
        for (const float v : a.image.data) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
    }
    EXPECT_TRUE(changed);
    EXPECT_TRUE(differs_by_epoch);
    const Batch v = d.batch(Split::validation, 3, 0, 100);
    ASSERT_EQ(v.items.size(), d.validation_indices().size());
    for (const Item& it : v.items) expect_same(it, d.item(it.index));

    o.augment = false;
    const Dataset off = Dataset::open(dir, o);
    expect_same(off.train_item(off.train_indices()[0], 3), off.item(off.train_indices()[0]));

    o.augment = true;  // a flip alone: exactly the mirrored image
    o.flip_probability = 1.0;
    o.brightness_jitter = 0.0;
    o.contrast_jitter = 0.0;
    const Dataset flip = Dataset::open(dir, o);
    EXPECT_TRUE(flip.train_item(0, 0).image.data == flip_horizontal(flip.item(0).image).data);

    o.flip_probability = 0.0;  // jitter alone: small changes
    o.brightness_jitter = 0.05;
    o.contrast_jitter = 0.1;
    const Dataset jitter = Dataset::open(dir, o);
    const Item p = jitter.item(1);
    const Item j = jitter.train_item(1, 0);
    for (std::size_t k = 0; k < p.image.size(); ++k) ASSERT_NEAR(j.image.data[k], p.image.data[k], 0.15 + 1e-6);
}

// ---- prefetch ------------------------------------------------------------------

TEST_F(DatasetTest, PrefetchedBatchesEqualSynchronousOnes) {
    const Dataset d = cifar(30, DatasetOptions{});
    LoaderOptions lo;
    lo.epoch = 2;
    lo.batch_size = 4;
    lo.prefetch = 2;
    BatchLoader loader(d, lo);
    EXPECT_EQ(loader.size(), 7u);  // 27 training items
    std::size_t b = 0;
    while (auto batch = loader.next()) expect_same(*batch, d.batch(Split::train, 2, b++, 4));
    EXPECT_EQ(b, 7u);
    EXPECT_FALSE(loader.next().has_value());

    lo.start_batch = 5;  // resuming mid-epoch gives the same batches
    lo.max_batches = 6;
    BatchLoader resumed(d, lo);
    const auto first = resumed.next();
    ASSERT_TRUE(first.has_value());
    expect_same(*first, d.batch(Split::train, 2, 5, 4));
    EXPECT_FALSE(resumed.next().has_value());

    LoaderOptions val;
    val.split = Split::validation;
    val.batch_size = 2;
    BatchLoader vl(d, val);
    std::size_t n = 0;
    while (auto batch = vl.next()) {
        for (const Item& it : batch->items) expect_same(it, d.item(d.validation_indices()[n++]));
    }
    EXPECT_EQ(n, 3u);
}

TEST_F(DatasetTest, LoaderStopsCleanlyWhenDroppedEarly) {
    const Dataset d = cifar(64, DatasetOptions{});
    LoaderOptions lo;
    lo.batch_size = 2;
    lo.prefetch = 3;
    for (int taken = 0; taken < 3; ++taken) {
        BatchLoader loader(d, lo);
        for (int k = 0; k < taken; ++k) ASSERT_TRUE(loader.next().has_value());
    }  // destructors join a worker blocked on a full queue or still decoding
}

TEST_F(DatasetTest, AFileThatBecomesUnreadableIsSkippedAndListed) {
    for (int i = 0; i < 4; ++i) save(test::gradient(20, 20 + i, 3), "img" + std::to_string(i) + ".png");
    DatasetOptions o;
    o.cache_bytes = 0;  // decoded at batch time
    o.validation_fraction = 0;
    const Dataset d = Dataset::open(dir, o);
    const std::vector<std::size_t> order = d.epoch_order(0);
    fs::remove(path(d.name(order[2])));  // the third batch cannot be decoded any more
    LoaderOptions lo;
    lo.batch_size = 2;
    for (int epoch = 0; epoch < 2; ++epoch) {
        lo.epoch = epoch;
        BatchLoader loader(d, lo);
        std::vector<std::string> seen;
        while (auto batch = loader.next()) {
            for (const Item& it : batch->items) seen.push_back(it.name);
        }
        EXPECT_EQ(seen.size(), 3u);
        EXPECT_EQ(std::count(seen.begin(), seen.end(), d.name(order[2])), 0);
    }
    ASSERT_EQ(d.failures().size(), 1u);  // listed once, not once per epoch
    expect_contains(d.failures()[0].path, d.name(order[2]));
    expect_contains(d.failures()[0].reason, d.name(order[2]));
}

TEST_F(DatasetTest, BadOptionsNameTheField) {
    const Dataset d = cifar(4, at32());
    LoaderOptions lo;
    lo.batch_size = 0;
    expect_throw<InvalidArgument>([&] { BatchLoader loader(d, lo); }, "batch_size");
    expect_throw<InvalidArgument>([&] { (void)d.batch_count(Split::train, 0); }, "batch_size");
    lo.batch_size = 1;
    lo.start_batch = 99;
    expect_throw<InvalidArgument>([&] { BatchLoader loader(d, lo); }, "start_batch");
    DatasetOptions o;
    o.resolution = 0;
    expect_throw<InvalidArgument>([&] { (void)Dataset::open(dir, o); }, "resolution");
    o = {};
    o.channels = 2;
    expect_throw<InvalidArgument>([&] { (void)Dataset::open(dir, o); }, "channels");
    o = {};
    o.validation_fraction = 1.0;
    expect_throw<InvalidArgument>([&] { (void)Dataset::open(dir, o); }, "validation_fraction");
}

}  // namespace
}  // namespace lidecm
