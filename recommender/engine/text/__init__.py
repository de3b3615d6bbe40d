"""Movie text: the document each movie is embedded as, the sentence embedder, and the grounding
checks every generated sentence passes before anyone sees it."""
