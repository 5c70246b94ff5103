"""Plain-language answers for migrants and seniors: the knowledge base, its matching and its
editing by administrators."""
