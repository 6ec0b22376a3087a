#include <cstdio>

#include <lidecm/learner/em_learner.hpp>
#include <lidecm/denoise/graph.hpp>

int main() {
    lidecm::Image img(32, 32, 3, 0.5f);
    const lidecm::DenoiseResult r = lidecm::denoise(lidecm::add_gaussian_noise(img, 0.1, 1), lidecm::GraphParams{});
    lidecm::EMParameterLearner learner;
    learner.update_global_params(0.5, r.smoothness);
    std::printf("consumer: psnr %.2f, sigma %s\n", lidecm::psnr(r.image, img), learner.get_status().sigma.c_str());
    return r.image.height == 32 ? 0 : 1;
}
