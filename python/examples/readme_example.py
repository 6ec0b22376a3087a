import numpy as np
import lidecm

rng = np.random.default_rng(0)
clean = np.tile(np.linspace(0, 1, 128, dtype=np.float32), (96, 1))[..., None].repeat(3, -1)
noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.shape, dtype=np.float32), 0, 1)
print("noise sigma", round(lidecm.estimate_noise(noisy), 3))        # estimated, in the image's units
denoised = lidecm.denoise(noisy)                                      # strength tuned by SURE
print("PSNR", [round(10 * np.log10(1 / np.mean((x - clean) ** 2)), 2) for x in (noisy, denoised)])
codebook = lidecm.Codebook(n_codes=64).fit(lidecm.extract_tiles(noisy))  # 8x8 patch k-means
print("tokens", codebook.encode(lidecm.extract_tiles(denoised))[:8])
