#pragma once
// The parts of the module, one function each (module.cpp calls them in order).
#include <pybind11/pybind11.h>

namespace lidecm::python {
namespace py = pybind11;

void bind_denoise(py::module_& m);   ///< denoise, estimate_noise
void bind_codebook(py::module_& m);  ///< Codebook
void bind_model(py::module_& m);     ///< load_model, Model
void bind_train(py::module_& m);     ///< train
void bind_learner(py::module_& m);   ///< the C++ learner under lidecm.EMParameterLearning

}  // namespace lidecm::python

namespace lidecm {
struct Model;
}

namespace lidecm::python {
/// A lidecm.Model owning `model` (bind_model must have run).
py::object wrap_model(Model model);

}  // namespace lidecm::python
