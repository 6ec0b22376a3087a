"""lidecm: self-tuning patch models of images (numpy in, numpy out).

Blind denoising, noise estimation, patch codebooks (the tokenizer), trained models and
training, and the prototype's EMParameterLearning as a drop-in. Images are H x W or
H x W x C (C = 1 or 3) arrays of float32/float64 in [0, 1] or uint8/uint16; results
come back in the input's dtype and range. The C++ work runs with the GIL released.

    import lidecm
    clean = lidecm.denoise(noisy)          # noise level estimated, strength tuned by SURE
    sigma = lidecm.estimate_noise(noisy)   # in the image's units
"""
from ._lidecm import (Codebook, Model, denoise, estimate_noise, extract_tiles, load_model, train)
from ._learning import EMParameterLearning

__all__ = ["Codebook", "EMParameterLearning", "Model", "denoise", "estimate_noise", "extract_tiles",
           "load_model", "train"]
__version__ = "0.1.0"
