"""Benchmarks of colbot: answer quality on the labelled evaluation set, and speed at scale."""
