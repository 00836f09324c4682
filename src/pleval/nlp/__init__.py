"""The spaCy pipeline, segmentation into turns and sentences, compiled token patterns and the rule coder."""
