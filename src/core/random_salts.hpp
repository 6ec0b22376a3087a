#pragma once
// Internal: the salts that keep training's random streams apart. Each stream is
// RandomStream{seed, salt, ...}; a new stream takes a new number here, so no two
// can ever draw the same numbers.
#include <cstdint>

namespace lidecm::detail {

inline constexpr std::uint64_t kSplitSalt = 1;       ///< training/validation split: {seed, salt}
inline constexpr std::uint64_t kOrderSalt = 2;       ///< epoch order: {seed, salt, epoch}
inline constexpr std::uint64_t kAugmentSalt = 3;     ///< augmentation of an item: {seed, salt, epoch, item}
inline constexpr std::uint64_t kInputNoiseSalt = 4;  ///< --input-noise of an item: {seed, salt, epoch, item}
inline constexpr std::uint64_t kSureProbeSalt = 5;   ///< Monte-Carlo SURE probe: {seed, salt}
inline constexpr std::uint64_t kPairedSalt = 6;      ///< paired learner perturbation signs: {seed, salt, update}
inline constexpr std::uint64_t kPriorSampleSalt = 7;  ///< the patch prior's tiles of an item: {seed, salt, item}
inline constexpr std::uint64_t kDenoiseNoiseSalt = 8;  ///< learn_denoising's noise on an item: {seed, salt, item}
inline constexpr std::uint64_t kGenerateSalt = 9;      ///< generate_images' draws of image i: {seed, salt, i}

}  // namespace lidecm::detail
