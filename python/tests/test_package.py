"""The package's surface: stubs that match the module, docstrings, no leaks in the classes."""
import ast
import gc
import inspect
import sys
import tracemalloc
from pathlib import Path

import numpy as np

import lidecm


def stub_tree():
    return ast.parse((Path(lidecm.__file__).parent / "__init__.pyi").read_text())


def test_the_stubs_name_everything_the_package_exports_and_nothing_else():
    tree = stub_tree()
    top = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert top == set(lidecm.__all__)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            cls = getattr(lidecm, node.name)
            stubbed = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} - {"__init__"}
            stubbed |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign)}
            public = {name for name in dir(cls) if not name.startswith("_")}
            if node.name == "EMParameterLearning":  # attributes set per object
                public |= {"num_classes", "learning_rate", "smoothing_window", "num_heads", "embed_dim", "sigma",
                           "tau", "radius", "sigma_s", "sigma_f"}
            assert stubbed == public, node.name


def test_the_stubs_keyword_names_match_the_functions():
    tree = stub_tree()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name != "train":
            stub_args = [a.arg for a in node.args.args + node.args.kwonlyargs]
            doc_signature = getattr(lidecm, node.name).__doc__.splitlines()[0]
            for name in stub_args:
                assert f"{name}:" in doc_signature, (node.name, name)


def test_every_public_callable_has_a_docstring():
    for name in lidecm.__all__:
        obj = getattr(lidecm, name)
        assert obj.__doc__ and len(obj.__doc__) > 40, name
    for cls in (lidecm.Codebook, lidecm.Model, lidecm.EMParameterLearning):
        for name, member in inspect.getmembers(cls):
            if not name.startswith("_") and callable(member):
                assert member.__doc__, f"{cls.__name__}.{name}"


def test_codebook_and_learner_calls_do_not_leak():
    rng = np.random.default_rng(0)
    X = rng.random((64, 64), dtype=np.float32)
    patches = rng.random((40, 8, 8, 3), dtype=np.float32)
    centers = rng.random((40, 2)) * 100
    cb = lidecm.Codebook(8, 8, iterations=2).fit(X)
    learner = lidecm.EMParameterLearning()

    def calls():
        cb.encode(X)
        cb.transform(X)
        cb.decode(np.arange(8))
        _ = cb.codes_
        learner.update_global_params(float(rng.random()), 0.5, patches, centers)
        learner.get_status()
        learner.get_parameters(3)

    for _ in range(20):
        calls()
    refs = sys.getrefcount(X), sys.getrefcount(patches), sys.getrefcount(centers)
    gc.collect()
    tracemalloc.start()
    first = tracemalloc.take_snapshot()
    for _ in range(1000):
        calls()
    gc.collect()
    grown = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(first, "filename"))
    tracemalloc.stop()
    assert (sys.getrefcount(X), sys.getrefcount(patches), sys.getrefcount(centers)) == refs
    assert grown < 256 * 1024  # the learner's histories are capped at 1,024 entries in C++
