"""``pleval build``: pages planned and run under papermill, kernels launched ahead, nbconvert, the overview."""
