"""Language models: one interface for a local transformers model or an OpenAI-compatible server
(`client`), every prompt under one version (`prompts`), and preference profiles (`profiles`)."""
