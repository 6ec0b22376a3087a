// placeholder: filled in by the tensor_file work
