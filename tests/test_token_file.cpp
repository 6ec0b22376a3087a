// placeholder: filled in by the token_file work
