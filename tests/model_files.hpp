#pragma once
// Model files edited as an older lidecm or a damaged disk would have left them: the
// tensors copied one by one into a new file (with a valid checksum), some replaced.
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lidecm/formats/tensor_file.hpp"
#include "lidecm/train/model.hpp"

namespace lidecm::test {

/// Writes a tensor of its own in place of `name` (or nothing, to drop it) and returns
/// true; false copies the tensor as it is.
using TensorEdit = std::function<bool(const TensorFile& file, const std::string& name, TensorFileWriter& out)>;

/// The tensor file `bytes` written again through `edit`, with its metadata but `drop_metadata`.
std::vector<unsigned char> rewrite_tensor_file(std::vector<unsigned char> bytes, const TensorEdit& edit,
                                               const std::set<std::string>& drop_metadata = {});

/// A 2-code model of 2×2 tiles with `channels` channels, a 2-Gaussian prior fitted to fixed
/// patches and the given learned denoising: what model files and --model need, untrained.
/// `bytes` as an older lidecm wrote them: without the tensors whose names start with
/// `tensor_prefix`, and without `config_key` in run.json's config.
std::vector<unsigned char> as_older_file(std::vector<unsigned char> bytes, const std::string& tensor_prefix,
                                         const std::string& config_key);

/// Each damaged file must be refused by parse_model with an IoError naming `name`.
void expect_refused_naming(const std::vector<std::pair<const char*, std::vector<unsigned char>>>& damaged,
                           const std::string& name);

Model small_prior_model(int channels, std::optional<LearnedDenoising> denoising);

}  // namespace lidecm::test
