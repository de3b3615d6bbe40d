"""CineMatch's serving engines, one package per family. Plain Python: no Django, no Celery
(tests/test_import_contract.py checks it); heavy imports (torch, transformers) happen inside functions.

- cf/          collaborative filtering: Interactions, popularity, SVD/SVD++, EASE, co-rating reasons
- evaluation/  splits, ranking metrics, offline evaluation of CF models and of embedders
- text/        movie documents, the sentence embedder, the grounding checks for generated text
- llm/         the language-model interface (local or OpenAI-compatible), prompts, preference profiles
- rerank/      the language-aware re-ranker: features, the linear model, candidates and its evaluation

Import from the family (`from recommender.engine.cf import EASE`), not from this package.
"""
