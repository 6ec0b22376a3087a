#pragma once
// Training data: an image folder, CIFAR-10/100 binary files, a single image or the
// built-in samples, turned into R×R images with labels (each image resized, or cut
// into tiles), split into training and validation items, shuffled and augmented
// reproducibly from (seed, epoch, item), and decoded ahead of the training step by
// BatchLoader.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lidecm/image/image.hpp"

namespace lidecm {
namespace detail {
struct StoredImage;  // internal (src/image/stored_image.hpp): an image at its file's depth
}

/// What kind of source `Dataset::open` reads.
enum class DatasetFormat {
    automatic,  ///< "samples"; a CIFAR file name (data_batch_*.bin, test_batch.bin, train.bin,
                ///< test.bin) or a folder holding such files; another file: an image; a folder: images
    folder,     ///< image folder (class = first-level sub-folder)
    image,      ///< one image file
    cifar10,    ///< CIFAR-10 binary: 3,073-byte records (label, 1024 R, 1024 G, 1024 B)
    cifar100,   ///< CIFAR-100 binary: 3,074-byte records (coarse, fine label, 3072 bytes); fine labels
    samples,    ///< the built-in sample photos (lidecm::sample_images())
};

/// Which files of a CIFAR folder are read.
enum class CifarPart {
    automatic,  ///< the training files when the folder has any, else the test file
    train,      ///< data_batch_*.bin (CIFAR-10) or train.bin (CIFAR-100)
    test,       ///< test_batch.bin (CIFAR-10) or test.bin (CIFAR-100)
    all,        ///< training files then the test file
};

/// Options of Dataset::open.
struct DatasetOptions {
    int resolution = 64;                ///< R: shorter side resized to R, then center-cropped to R×R
    /// Cut each image file into whole R×R tiles at its own resolution instead (an
    /// image with a side under R is first enlarged so its shorter side is R; the
    /// border past the last whole tile is left out). The split keeps the tiles of
    /// an image together, so validation tiles come from images training never sees.
    /// Not for CIFAR, whose records are 32×32 already.
    bool tiles = false;
    int channels = 3;                   ///< 3 (grey files replicated) or 1 (colour files turned to luma)
    double validation_fraction = 0.1;   ///< share of items held out for validation, in [0, 1)
    std::uint64_t seed = 0;             ///< seeds the split, the epoch orders and the augmentation
    bool augment = true;                ///< augment training items (validation items never are)
    double flip_probability = 0.5;      ///< chance of a horizontal flip of a training item, in [0, 1]
    double brightness_jitter = 0.05;    ///< additive brightness offset drawn from ±this, in [0, 1]
    double contrast_jitter = 0.1;       ///< contrast factor drawn from 1 ± this (about the image mean), in [0, 1)
    std::int64_t max_pixels = 100'000'000;  ///< encoded images with more pixels are skipped unread
    DatasetFormat format = DatasetFormat::automatic;  ///< how to read the source
    CifarPart cifar_part = CifarPart::automatic;      ///< which files of a CIFAR folder
    /// Decoded files of a folder kept in memory up to this many bytes, at the files' own
    /// depth (8-bit: a 12 MP RGB photo takes 36 MB), so later epochs need not decode them.
    std::size_t cache_bytes = std::size_t(256) << 20;
    /// Items in the shuffle buffer of the epoch order (see Dataset::epoch_order); 0 shuffles
    /// all training items at once, which with `tiles` holds every tile in memory.
    std::size_t shuffle_buffer = 16384;
    /// Without `tiles`, decode large JPEGs at 1/2, 1/4 or 1/8 size (libjpeg's DCT scaling)
    /// when that still leaves a shorter side of at least 2R (BENCHMARKS.md: what it costs).
    bool reduced_decode = true;
};

/// Throws InvalidArgument naming the first field out of range.
void validate(const DatasetOptions& options);

/// Which items a batch is drawn from.
enum class Split { train, validation };

/// One prepared item.
struct Item {
    Image image;       ///< R×R×C, values in [0, 1]
    int label = 0;     ///< index into Dataset::class_names()
    std::string name;  ///< file name relative to the source, "photo.png@64,128" for the tile whose top-left
                       ///< pixel is x 64, y 128, or "data_batch_1.bin#123" (0-based record)
    std::size_t index = 0;  ///< item index in the dataset
};

/// Items of one batch, in epoch order.
struct Batch {
    std::vector<Item> items;
    /// Each item's place in the whole batch (0 … batch_size − 1): the items of a loader
    /// that takes one rank's share, or that left out items of failed files, are not
    /// the places 0, 1, … of the batch.
    std::vector<std::size_t> places;
    int epoch = 0;          ///< the epoch it was made for (validation batches do not depend on it)
    std::size_t index = 0;  ///< batch number within the epoch
};

/// A file of an image folder that is not used, and why (the trainer logs these).
struct SkippedFile {
    std::string path;
    std::string reason;
};

class DatasetSource;  // internal (src/data/dataset_source.hpp): where the items come from
struct DatasetState;  // internal: the cache, decode counts and files that failed after opening

/// A read-only dataset. Every query is const and safe to call from several threads.
/// Folder sources read only the header of every candidate file when opened (files
/// with a bad or oversized header are skipped and listed), and decode a file when
/// one of its items is needed; decoded files are kept (at their own depth) while
/// they fit in cache_bytes. A file that fails to decode later is skipped from then
/// on and listed in failures(): its items are left out of the batches they fall in.
/// CIFAR records are held as bytes. In a folder, names starting with '.' (hidden
/// files and folders) are ignored, and only png, jpg, jpeg, bmp, ppm, pgm, pnm, tif,
/// tiff and webp files (any case) are candidates; items are sorted by their path
/// relative to the folder.
class Dataset {
public:
    /// Opens `source` (a path, or "samples"). Throws IoError for a missing path, an
    /// empty folder, a folder without one image with a readable header, a bad CIFAR
    /// file or an unreadable single image; InvalidArgument for out-of-range options.
    static Dataset open(const std::string& source, const DatasetOptions& options = {});

    [[nodiscard]] const DatasetOptions& options() const { return options_; }
    /// Number of usable items (training and validation together).
    [[nodiscard]] std::size_t size() const;
    [[nodiscard]] const std::vector<std::string>& class_names() const { return class_names_; }
    /// Files of a folder left out when it was opened: files whose header is bad or over
    /// the size limits, and files lying directly in the root of a folder that has class
    /// sub-folders (they belong to no class).
    [[nodiscard]] const std::vector<SkippedFile>& skipped() const { return skipped_; }
    /// Files that failed to decode since the dataset was opened, in the order they failed.
    [[nodiscard]] std::vector<SkippedFile> failures() const;
    /// Files decoded since the dataset was opened (by item(), items() and every loader).
    [[nodiscard]] std::uint64_t decodes() const;
    /// Short description for logs, e.g. "CIFAR-10 data/cifar: 5 file(s), 50000 items, 10 classes".
    [[nodiscard]] const std::string& description() const { return description_; }
    /// How much the epoch order mixes when the shuffle buffer is smaller than the training
    /// items and images give several items each, e.g. "shuffle buffer: 16384 of 73232 training
    /// items, about 6 of 27 images at a time (--shuffle-buffer 0 mixes all, holding every item
    /// in memory)"; empty when the order is a uniform shuffle or each image is one item.
    [[nodiscard]] std::string shuffle_description() const;

    /// Item indices of the training split, ascending.
    [[nodiscard]] const std::vector<std::size_t>& train_indices() const { return train_; }
    /// Item indices of the validation split, ascending. The split draws whole images
    /// (all tiles of one image fall on one side), round(images × fraction) of them,
    /// at least 1 and at most all but 1. With fewer than 2 images (and a fraction > 0)
    /// this is the training set itself: see validation_is_training().
    [[nodiscard]] const std::vector<std::size_t>& validation_indices() const { return validation_; }
    [[nodiscard]] bool validation_is_training() const { return validation_is_training_; }
    /// At most `limit` validation indices (0 = all), spread evenly over validation_indices():
    /// the first ones would often be tiles of a single image.
    [[nodiscard]] std::vector<std::size_t> validation_sample(std::size_t limit) const;

    [[nodiscard]] int label(std::size_t index) const;
    [[nodiscard]] std::string name(std::size_t index) const;
    /// The item prepared (R×R×C) without augmentation. IoError when its file fails to decode.
    [[nodiscard]] Item item(std::size_t index) const;
    /// The item as training sees it in `epoch`: augmented from (seed, epoch, index) alone.
    [[nodiscard]] Item train_item(std::size_t index, int epoch) const;
    /// item() of each index, decoding each file once (files in parallel); items of
    /// files that fail to decode are left out (see failures()).
    [[nodiscard]] std::vector<Item> items(const std::vector<std::size_t>& indices) const;
    /// train_item() of each index, as items() does.
    [[nodiscard]] std::vector<Item> train_items(const std::vector<std::size_t>& indices, int epoch) const;

    /// The training indices in the order of `epoch`, drawn from (seed, epoch) alone.
    /// With shuffle_buffer = S > 0 it is a streaming shuffle, as tf.data's and
    /// WebDataset's: the training images are shuffled, and their items (all tiles of
    /// an image at once) fill a buffer of S items from which each next item is drawn
    /// at random, refilled image by image. An image is decoded once when its items
    /// enter, and its tiles are spread over about S items' worth of batches rather
    /// than the whole epoch. S = 0 (or S ≥ the training items) draws a uniform permutation.
    [[nodiscard]] std::vector<std::size_t> epoch_order(int epoch) const;
    /// The uniform permutation of the training indices that epoch_order(epoch) is with
    /// shuffle_buffer 0: a sample of it is a sample of all training images (what the
    /// codebook's k-means++ start needs), whatever the buffer.
    [[nodiscard]] std::vector<std::size_t> uniform_order(int epoch) const;
    /// epoch_order(epoch) for Split::train, validation_indices() for Split::validation.
    [[nodiscard]] std::vector<std::size_t> order(Split split, int epoch) const;
    /// Batches in an epoch of `split`: ceil(n / batch_size), capped by max_batches unless 0.
    [[nodiscard]] std::size_t batch_count(Split split, std::size_t batch_size, std::size_t max_batches = 0) const;
    /// Batch `batch` of `epoch` (the last one may be smaller); computed synchronously.
    /// Validation batches follow validation_indices() and ignore `epoch`.
    [[nodiscard]] Batch batch(Split split, int epoch, std::size_t batch, std::size_t batch_size) const;

    Dataset(Dataset&&) noexcept;
    Dataset& operator=(Dataset&&) noexcept;
    ~Dataset();

private:
    friend class LoaderPipeline;
    Dataset();
    /// Splits and returns the number of groups.
    std::size_t make_split();
    /// Groups (the images of a file source) are the units decoded; an item's group.
    [[nodiscard]] std::size_t group_of(std::size_t index) const;
    /// `indices` gathered by group, groups in the order they first appear.
    struct Grouped {
        std::vector<std::size_t> groups;
        std::vector<std::vector<std::size_t>> positions;  ///< per group: its places in `indices`
    };
    [[nodiscard]] Grouped group_positions(const std::vector<std::size_t>& indices) const;
    /// Group `g` decoded (from the cache when there), or nothing after a decode failure,
    /// which is recorded in failures(). `decoded` counts this call's decodes.
    [[nodiscard]] std::shared_ptr<const detail::StoredImage> load_group(std::size_t g, std::uint64_t* decoded) const;
    /// The item from its group's decoded form: cut, turned to float and C channels.
    [[nodiscard]] detail::StoredImage cut_item(const detail::StoredImage& group, std::size_t index) const;
    [[nodiscard]] Item make_item(const detail::StoredImage& cut, std::size_t index, Split split, int epoch) const;
    [[nodiscard]] std::vector<Item> load_items(const std::vector<std::size_t>& indices, Split split, int epoch) const;
    /// The one item of load_items, or IoError with why its file failed.
    [[nodiscard]] Item load_item(std::size_t index, Split split, int epoch) const;

    DatasetOptions options_;
    std::unique_ptr<const DatasetSource> source_;
    std::unique_ptr<DatasetState> state_;
    std::vector<std::string> class_names_;
    std::vector<SkippedFile> skipped_;
    std::string description_;
    std::vector<std::size_t> train_;
    std::vector<std::size_t> validation_;
    bool validation_is_training_ = false;
};

/// Options of BatchLoader.
struct LoaderOptions {
    Split split = Split::train;  ///< which items
    int epoch = 0;               ///< epoch (orders and augments training batches), ≥ 0
    std::size_t batch_size = 32;     ///< items per batch, > 0
    std::size_t max_batches = 0;     ///< batches in the epoch at most; 0 = all
    std::size_t start_batch = 0;     ///< first batch to deliver (resuming mid-epoch), ≤ batch count
    std::size_t prefetch = 2;        ///< batches assembled ahead of the consumer, ≥ 1
    int decode_threads = 0;          ///< threads decoding files; 0 = one per hardware thread
    /// Files decoded ahead of the batch being assembled (W: each one's items wait in
    /// memory until their batch); 0 = decode_threads.
    std::size_t files_ahead = 0;
    /// Distributed training: this process delivers only its share of every batch, the
    /// places p with p % ranks == rank (strided, so the batch's first images, which
    /// training refines, spread over the ranks). 1 rank = whole batches.
    int rank = 0;
    int ranks = 1;
};

/// Throws InvalidArgument naming the first field out of range (start_batch is checked
/// against the dataset by BatchLoader).
void validate(const LoaderOptions& options);

class LoaderPipeline;  // internal (src/data/batch_loader.cpp)

/// Delivers the batches start_batch … of one epoch; they equal Dataset::batch.
/// Files are decoded in the order their first item is needed, by decode_threads
/// threads at most files_ahead ahead, each file at most once (the items it gives
/// wait, at the file's depth, for their batch); one more thread assembles batches
/// (float conversion, augmentation) at most `prefetch` ahead. The dataset must
/// outlive the loader. Destroying the loader early stops and joins the threads; an
/// exception other than a file's decode failure is rethrown by next() in place of
/// the batch it stopped.
class BatchLoader {
public:
    BatchLoader(const Dataset& dataset, const LoaderOptions& options);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    /// The next batch, or nothing at the end of the epoch. A batch whose items all
    /// failed to decode is delivered empty.
    std::optional<Batch> next();
    /// Batches this loader delivers in all (from start_batch to the end).
    [[nodiscard]] std::size_t size() const;
    /// Files this loader decoded so far (files found in the cache are not counted).
    [[nodiscard]] std::uint64_t decodes() const;

private:
    std::unique_ptr<LoaderPipeline> pipeline_;
};

}  // namespace lidecm
