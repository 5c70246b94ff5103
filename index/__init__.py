"""Search over the catalogue: embedders, the vector and lexical indexes, places and ranking."""
