"""Language-model backends behind one small interface. Plain Python; torch loads on first use.

Two operations, both batched:
- `generate(conversations)`: greedy text for each chat conversation (a list of role/content dicts).
- `choice_logprobs(conversations, choices)`: for each conversation, the log-probability that the
  answer starts with each of a few one-token choices ("yes"/"no"), read from ONE forward pass
  over the prompt; nothing is sampled.

`LocalLLM` runs a transformers causal LM from a local folder (CUDA when present, optional 4-bit
with bitsandbytes on GPU, a LoRA adapter folder on top). `OpenAICompatibleLLM` talks to a server
the operator runs (vLLM, Ollama, ...) through the OpenAI chat-completions API.
`generate_json` adds the JSON mode: parse, validate, retry, and fall back to None with a reason.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

Conversation = list[dict[str, str]]
LOG_FLOOR = math.log(1e-9)  # a choice the server did not list among its top tokens


class LLM:
    """What every backend offers. `name` identifies model and version in stored outputs."""

    name: str = "llm"

    def generate(
        self,
        conversations: Sequence[Conversation],
        *,
        max_new_tokens: int = 96,
        temperature: float = 0.0,
        repetition_penalty: float = 1.15,
        answer_prefix: str = "",
    ) -> list[str]:
        """Greedy when temperature is 0 (the default: reproducible); sampled otherwise (for retries).
        The repetition penalty keeps prose from looping; answers that copy from the prompt turn it off (1.0).
        `answer_prefix` is written as the start of the reply (a local model continues it; a server is
        only asked to start that way): small models stay on task when the first words are given."""
        raise NotImplementedError

    def choice_logprobs(self, conversations: Sequence[Conversation], choices: Sequence[str]) -> np.ndarray:
        """(len(conversations), len(choices)) log-probabilities of each choice as the answer's first token."""
        raise NotImplementedError

    def answer_logprobs(self, conversations: Sequence[Conversation], answers: Sequence[str]) -> np.ndarray:
        """Per pair, the mean log-probability per token of `answer` as the reply to `conversation`:
        how well the conversation explains that text. Read in one forward pass; nothing is sampled."""
        raise NotImplementedError(f"{type(self).__name__} cannot score a given answer; use a local model")


def gguf_convert(gguf_dir: Path, gguf_file: str, output: Path, *, dtype: str = "bfloat16") -> Path:
    """Turn a GGUF checkpoint into a normal saved model folder, once.

    transformers de-quantizes a GGUF into a model that can be neither trained nor saved, so its
    weights are copied into a fresh model built from the same config and that one is saved.
    The folder appears under its final name only when complete.
    """
    import shutil

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    partial = output.with_name(output.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_file)
    loaded = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_file)
    target_dtype = getattr(torch, dtype)
    config = loaded.config
    config.__dict__.pop("quantization_config", None)  # the saved copy is a plain model, not a GGUF
    model = AutoModelForCausalLM.from_config(config, dtype=target_dtype)
    model.load_state_dict({key: value.to(target_dtype) for key, value in loaded.state_dict().items()})
    model.generation_config = loaded.generation_config
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(output)
    return output


class LocalLLM(LLM):
    """A transformers causal LM from a local folder; a LoRA adapter folder may sit on top."""

    def __init__(
        self,
        model_path: Path | str,
        *,
        adapter_path: Path | str | None = None,
        name: str | None = None,
        device: str | None = None,
        load_in_4bit: bool = False,
        batch_size: int = 8,
    ) -> None:
        self.model_path = Path(model_path)
        self.adapter_path = Path(adapter_path) if adapter_path else None
        self.name = name or self.model_path.name
        self.device = device
        self.load_in_4bit = load_in_4bit
        self.batch_size = batch_size
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def load(self):
        """(model, tokenizer), loaded once per process."""
        with self._lock:
            if self._model is None:
                self._model, self._tokenizer = self._load()
        return self._model, self._tokenizer

    def _load(self):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        tokenizer.padding_side = "left"  # batched generation continues every row from its last token
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        options = {"local_files_only": True}
        if self.load_in_4bit:
            if device != "cuda":
                raise ValueError("4-bit loading needs CUDA; leave LLM_LOAD_IN_4BIT off on CPU")
            from transformers import BitsAndBytesConfig

            options["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
            )
        else:
            # bf16 as saved on CUDA. On CPU float32: measured on 2 cores, bf16 took 4.5 s per Yes/No
            # judgement and 35 s per batch of 8 descriptions, float32 0.6 s and 10 s.
            options["dtype"] = "auto" if device == "cuda" else torch.float32
        model = AutoModelForCausalLM.from_pretrained(self.model_path, **options)
        if self.adapter_path:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, self.adapter_path)
            if not self.load_in_4bit:
                model = model.merge_and_unload()  # plain weights again: generation as fast as the base
        if not self.load_in_4bit:
            model = model.to(device)
        model.eval()
        return model, tokenizer

    def _encode(self, conversations: Sequence[Conversation], answer_prefix: str = ""):
        model, tokenizer = self.load()
        texts = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True) + answer_prefix
                 for c in conversations]  # fmt: skip
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        return {key: value.to(model.device) for key, value in batch.items()}

    def generate(
        self,
        conversations: Sequence[Conversation],
        *,
        max_new_tokens: int = 96,
        temperature: float = 0.0,
        repetition_penalty: float = 1.15,
        answer_prefix: str = "",
    ) -> list[str]:
        import torch

        model, tokenizer = self.load()
        outputs: list[str] = []
        for start in range(0, len(conversations), self.batch_size):
            batch = self._encode(conversations[start : start + self.batch_size], answer_prefix)
            with torch.inference_mode():
                generated = model.generate(
                    **batch,
                    max_new_tokens=max_new_tokens,
                    do_sample=temperature > 0,
                    **({"temperature": temperature, "top_p": 0.95} if temperature > 0 else {}),
                    repetition_penalty=repetition_penalty,
                    pad_token_id=tokenizer.pad_token_id,
                )
            new_tokens = generated[:, batch["input_ids"].shape[1] :]
            outputs.extend(
                (answer_prefix + text).strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
            )
        return outputs

    def choice_logprobs(self, conversations: Sequence[Conversation], choices: Sequence[str]) -> np.ndarray:
        import torch

        model, tokenizer = self.load()
        choice_ids = [_single_token(tokenizer, choice) for choice in choices]
        rows = []
        for start in range(0, len(conversations), self.batch_size):
            batch = self._encode(conversations[start : start + self.batch_size])
            with torch.inference_mode():
                logits = model(**batch).logits[:, -1, :].float()  # left padding: the last column is the next token
            rows.append(torch.log_softmax(logits, dim=-1)[:, choice_ids].cpu().numpy())
        return np.vstack(rows) if rows else np.empty((0, len(choices)), dtype=np.float32)

    def answer_logprobs(self, conversations: Sequence[Conversation], answers: Sequence[str]) -> np.ndarray:
        import torch

        if len(conversations) != len(answers):
            raise ValueError("one answer per conversation is required")
        model, tokenizer = self.load()
        scores = []
        for start in range(0, len(conversations), self.batch_size):
            prompts = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True)
                       for c in conversations[start : start + self.batch_size]]  # fmt: skip
            batch_answers = answers[start : start + self.batch_size]
            rows = [(tokenizer.encode(p, add_special_tokens=False), tokenizer.encode(a, add_special_tokens=False))
                    for p, a in zip(prompts, batch_answers, strict=True)]  # fmt: skip
            width = max(len(p) + len(a) for p, a in rows)
            ids = torch.full((len(rows), width), tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, (prompt, answer) in enumerate(rows):  # right padding: positions are the same as unpadded
                ids[i, : len(prompt) + len(answer)] = torch.tensor(prompt + answer)
                mask[i, : len(prompt) + len(answer)] = 1
            with torch.inference_mode():
                logits = model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device)).logits.float()
            logprobs = torch.log_softmax(logits, dim=-1).cpu()
            for i, (prompt, answer) in enumerate(rows):
                if not answer:
                    scores.append(float("-inf"))
                    continue
                positions = torch.arange(len(prompt) - 1, len(prompt) + len(answer) - 1)  # each predicts the next
                taken = logprobs[i, positions, torch.tensor(answer)]
                scores.append(float(taken.mean()))
        return np.asarray(scores, dtype=np.float32)


def _single_token(tokenizer, choice: str) -> int:
    ids = tokenizer.encode(choice, add_special_tokens=False)
    if len(ids) != 1:
        raise ValueError(f"choice {choice!r} is {len(ids)} tokens for this tokenizer; choices must be one token")
    return ids[0]


class OpenAICompatibleLLM(LLM):
    """A chat-completions server the operator runs (vLLM, Ollama, llama.cpp server, a hosted API)."""

    def __init__(self, base_url: str, model: str, *, api_key: str = "", timeout_s: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"{model}@{self.base_url}"
        self.api_key = api_key
        self.timeout_s = timeout_s

    def _post(self, payload: dict) -> dict:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps({"model": self.model, **payload}).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"LLM server answered {exc.code}: {exc.read()[:300]!r}") from exc

    def generate(
        self,
        conversations: Sequence[Conversation],
        *,
        max_new_tokens: int = 96,
        temperature: float = 0.0,
        repetition_penalty: float = 1.15,  # not part of the chat-completions API: the server's own setting holds
        answer_prefix: str = "",  # not part of the API either: the prompt asks for the start it needs
    ) -> list[str]:
        outputs = []
        for conversation in conversations:
            reply = self._post({"messages": conversation, "max_tokens": max_new_tokens, "temperature": temperature})
            outputs.append((reply["choices"][0]["message"].get("content") or "").strip())
        return outputs

    def choice_logprobs(self, conversations: Sequence[Conversation], choices: Sequence[str]) -> np.ndarray:
        rows = []
        for conversation in conversations:
            reply = self._post(
                {"messages": conversation, "max_tokens": 1, "temperature": 0, "logprobs": True, "top_logprobs": 20}
            )
            top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
            by_token = {}
            for entry in top:  # the same token may come with a leading space ("yes", " yes"): keep the likelier
                token = entry["token"].strip()
                by_token[token] = max(by_token.get(token, LOG_FLOOR), entry["logprob"])
            rows.append([by_token.get(choice.strip(), LOG_FLOOR) for choice in choices])
        return np.asarray(rows, dtype=np.float32).reshape(len(conversations), len(choices))


# --- JSON mode -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonResult:
    value: object | None  # what `validate` returned, or None when every attempt failed
    attempts: int
    error: str = ""  # why the last attempt failed; empty on success

    @property
    def ok(self) -> bool:
        return self.value is not None


_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def parse_json_object(text: str) -> dict:
    """The first JSON object in `text` (models like to wrap it in prose or code fences)."""
    match = _OBJECT.search(text)
    if not match:
        raise ValueError("no JSON object in the output")
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg}") from exc
    if not isinstance(value, dict):
        raise ValueError("the JSON is not an object")
    return value


def generate_json(
    llm: LLM,
    conversations: Sequence[Conversation],
    validate: Callable[[dict], object],
    *,
    retries: int = 1,
    max_new_tokens: int = 160,
) -> list[JsonResult]:
    """Generate, parse and validate each conversation's answer; retry only the failed ones.

    `validate` returns the accepted value or raises ValueError with the reason. A conversation
    whose every attempt fails gets `JsonResult(None, attempts, reason)`: callers fall back.
    On a retry the model is told what was wrong, so a greedy model does not repeat itself.
    """
    results: list[JsonResult | None] = [None] * len(conversations)
    pending = {index: list(conversation) for index, conversation in enumerate(conversations)}
    for attempt in range(1, retries + 2):
        indexes = sorted(pending)
        outputs = llm.generate([pending[index] for index in indexes], max_new_tokens=max_new_tokens)
        for index, output in zip(indexes, outputs, strict=True):
            try:
                results[index] = JsonResult(validate(parse_json_object(output)), attempt)
                del pending[index]
            except ValueError as exc:
                results[index] = JsonResult(None, attempt, str(exc)[:200])
                pending[index] = [
                    *conversations[index],
                    {"role": "assistant", "content": output[:500]},
                    {"role": "user", "content": f"That was not valid ({exc}). Answer with the JSON object only."},
                ]
        if not pending:
            break
    for index in pending:
        logger.info("LLM JSON output rejected after %s attempt(s): %s", results[index].attempts, results[index].error)
    return results
