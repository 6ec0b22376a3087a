#include "report_fixture.hpp"

#include "lidecm/train/trainer.hpp"
#include "synthetic.hpp"

namespace lidecm::test {

TrainConfig tiny_train_config(const std::string& data) {
    TrainConfig c;
    c.data = data;
    c.dataset.resolution = 32;
    c.dataset.validation_fraction = 0.25;
    c.codebook.num_codes = 16;
    c.epochs = 3;
    c.batch_size = 3;
    c.init_images = 4;
    c.prior_components = 2;  // a small prior, no class priors: see kSmallPriorFlags
    c.prior_iterations = 3;
    c.class_priors = 0;
    return c;
}

std::string tiny_run(const std::string& dir) {
    write_two_class_folder(dir + "/data", 6, 40);
    TrainConfig c = tiny_train_config(dir + "/data");
    c.input_noise = 0.1;
    train(c, dir + "/run", {});
    return dir + "/run";
}

}  // namespace lidecm::test
