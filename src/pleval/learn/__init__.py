"""Learned coding suggestions: a scikit-learn coder trained on people's coding, judged as a coder."""
