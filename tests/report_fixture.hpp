#pragma once
// Tiny training runs (with noisy inputs, so the sample grid has four
// rows) for the report tests.
#include <string>

#include "lidecm/train/train_config.hpp"

namespace lidecm::test {

/// A small, fast training config on the folder `data` (32×32, K = 16, 3 epochs of
/// batches of 3, a quarter held out, a 2-Gaussian prior, no class priors): what the trainer and report tests run.
TrainConfig tiny_train_config(const std::string& data);

/// Trains into `dir`/run on a generated two-class folder and returns the run folder.
std::string tiny_run(const std::string& dir);

}  // namespace lidecm::test
