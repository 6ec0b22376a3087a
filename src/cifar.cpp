// placeholder: filled in by the cifar work
