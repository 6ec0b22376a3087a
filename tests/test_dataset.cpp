// placeholder: filled in by the dataset work
