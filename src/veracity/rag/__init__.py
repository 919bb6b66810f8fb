"""The answer engine: condense, retrieve, rerank, pack, prompt, generate, cite, check, or abstain."""
