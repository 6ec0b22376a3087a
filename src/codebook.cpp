// placeholder: filled in by the codebook work
