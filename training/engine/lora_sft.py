"""Supervised fine-tuning of a small causal LM with LoRA (QLoRA on CUDA). Plain Python.

Each example is a chat conversation and the answer the model should give; the loss counts only
the answer's tokens. A hand loop on torch + peft keeps what happens visible (and runs the same on
CPU with plain LoRA and on CUDA with a 4-bit base, where bitsandbytes' backward is trustworthy).
Only the adapter is saved: a few MB next to the base model it belongs to.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from recommender.engine.llm.client import Conversation


@dataclass(frozen=True)
class LoraConfig:
    steps: int = 60
    batch_size: int = 4
    lr: float = 2e-4
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    max_length: int = 384
    target_modules: tuple[str, ...] = ("q_proj", "v_proj", "o_proj")
    quantize_4bit: bool = False  # QLoRA: only with CUDA
    seed: int = 0
    # "constant", or "cosine": linear warm-up over the first 5% of steps, then cosine decay to 10% of lr
    schedule: str = "constant"

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1 or self.lr <= 0 or self.rank < 1 or self.max_length < 32:
            raise ValueError("steps >= 1, batch_size >= 1, lr > 0, rank >= 1 and max_length >= 32 are required")
        if self.schedule not in ("constant", "cosine"):
            raise ValueError("schedule must be 'constant' or 'cosine'")


def tokenize_example(
    tokenizer, conversation: Conversation, answer: str, max_length: int
) -> tuple[list[int], list[int]]:
    """(input ids, labels) with the prompt masked out (-100) so only the answer is learned."""
    prompt = tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(answer + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    prompt_ids = prompt_ids[-(max_length - min(len(answer_ids), max_length // 2)) :]  # keep the prompt's end
    ids = (prompt_ids + answer_ids)[:max_length]
    labels = ([-100] * len(prompt_ids) + answer_ids)[:max_length]
    return ids, labels


def sft_lora(
    base_model: Path,
    examples: Sequence[tuple[Conversation, str]],
    config: LoraConfig,
    output: Path,
    progress: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Train a LoRA adapter on `examples` and save it (peft format) at `output`; returns it."""
    import torch
    from peft import LoraConfig as PeftLoraConfig
    from peft import get_peft_model
    from transformers import AutoTokenizer

    if not examples:
        raise ValueError("no training examples")
    torch.manual_seed(config.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if config.quantize_4bit and device != "cuda":
        raise ValueError("QLoRA (4-bit) needs CUDA; on CPU train plain LoRA")
    tokenizer = AutoTokenizer.from_pretrained(base_model, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = _load_base(base_model, config, device)
    model = get_peft_model(
        model,
        PeftLoraConfig(
            r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout,
            target_modules=list(config.target_modules), task_type="CAUSAL_LM",
        ),
    )  # fmt: skip
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(config, step))
    encoded = [tokenize_example(tokenizer, conv, answer, config.max_length) for conv, answer in examples]
    order = random.Random(config.seed)
    model.train()
    batch_indexes: list[int] = []
    for step in range(1, config.steps + 1):
        if len(batch_indexes) < config.batch_size:  # a fresh shuffled pass over the examples
            fresh = list(range(len(encoded)))
            order.shuffle(fresh)
            batch_indexes += fresh
        chosen, batch_indexes = batch_indexes[: config.batch_size], batch_indexes[config.batch_size :]
        ids, labels, mask = _pad([encoded[i] for i in chosen], tokenizer.pad_token_id)
        loss = model(input_ids=ids.to(device), attention_mask=mask.to(device), labels=labels.to(device)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        if progress:
            progress(step, config.steps, loss.item())
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    (output / "training.json").write_text(json.dumps({**asdict(config), "examples": len(examples)}, indent=2))
    return output


def _lr_factor(config: LoraConfig, step: int) -> float:
    if config.schedule == "constant":
        return 1.0
    warmup = max(1, config.steps // 20)
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, config.steps - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))


def _load_base(base_model: Path, config: LoraConfig, device: str):
    import torch
    from transformers import AutoModelForCausalLM

    if config.quantize_4bit:
        from peft import prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig

        quantization = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
        model = AutoModelForCausalLM.from_pretrained(
            base_model, quantization_config=quantization, local_files_only=True
        )
        return prepare_model_for_kbit_training(model)
    # fp32 for training on CPU: bf16 gradients on CPU are slow and imprecise; the base stays bf16 on disk.
    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    return AutoModelForCausalLM.from_pretrained(base_model, dtype=dtype, local_files_only=True).to(device)


def _pad(rows: list[tuple[list[int], list[int]]], pad_id: int):
    import torch

    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for row, (row_ids, row_labels) in enumerate(rows):
        ids[row, : len(row_ids)] = torch.tensor(row_ids)
        labels[row, : len(row_labels)] = torch.tensor(row_labels)
        mask[row, : len(row_ids)] = 1
    return ids, labels, mask
