// The compiled part of the Python package lidecm (python/lidecm/__init__.py re-exports it).
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "lidecm/core/error.hpp"

PYBIND11_MODULE(_lidecm, m) {
    namespace py = pybind11;
    m.doc() = "lidecm's C++ core; use the package lidecm.";
    // The library's errors as the Python exceptions their kind calls for; the
    // message (naming the argument or file) is kept.
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const lidecm::InvalidArgument& e) {
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const lidecm::IoError& e) {
            PyErr_SetString(PyExc_OSError, e.what());
        }
    });
    lidecm::python::bind_denoise(m);
    lidecm::python::bind_codebook(m);
    lidecm::python::bind_model(m);
    lidecm::python::bind_train(m);
    lidecm::python::bind_learner(m);
}
