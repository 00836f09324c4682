"""Reading a project's inputs: text decoding, YAML with line marks, transcript readers, the codebook, caches."""
