"""A language model that answers from a script: drives parsers and fallbacks through each branch.

It stands in for the model only; the database, broker and services around it stay real.
"""

from recommender.engine.llm.client import LLM


class ScriptedLLM(LLM):
    def __init__(self, answers, name="scripted"):
        self.answers = list(answers)
        self.name = name
        self.seen = []  # every conversation it was asked, in order

    def generate(self, conversations, *, max_new_tokens=96, temperature=0.0, repetition_penalty=1.15, answer_prefix=""):
        self.seen.extend(conversations)
        # A local model continues the given start of its reply; the script holds the rest.
        return [answer_prefix + self.answers.pop(0) for _ in conversations]
