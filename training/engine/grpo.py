"""GRPO with rule-based rewards on a small causal LM, through trl's GRPOTrainer. Plain Python.

Group Relative Policy Optimisation samples several answers per prompt, scores each with the
rewards, and pushes the model towards the answers that beat their group's mean. Only a LoRA
adapter is trained and saved. The same code runs on CPU with the bundled SmolLM2-135M and small
settings, and on a GPU worker with more prompts and generations per step.

Prompts are fed in the order given (`shuffle_dataset=False`): the CURec tasks arrive in
chronological order, as the seed processes interactions.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.engine.curec_tasks import PREFILL, REWARDS, AlignmentTask


@dataclass(frozen=True)
class GrpoSettings:
    steps: int = 20
    prompts_per_step: int = 2
    generations: int = 4  # answers sampled per prompt: the group each answer is compared with
    max_completion_length: int = 64
    lr: float = 2e-4  # for the LoRA adapter, not the base weights
    rank: int = 8
    alpha: int = 16
    temperature: float = 1.0
    beta: float = 0.0  # KL penalty to the base model (trl's default: none)
    reward_weights: tuple[float, float, float] = (1.0, 1.0, 1.0)  # format, legality, correctness
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.prompts_per_step < 1 or self.generations < 2 or self.max_completion_length < 8:
            raise ValueError("steps >= 1, prompts_per_step >= 1, generations >= 2 and max_completion_length >= 8")


@dataclass(frozen=True)
class StepLog:
    step: int
    reward: float  # mean weighted reward of the step's answers
    rewards: dict[str, float]  # mean of each reward function
    seconds: float


def grpo_align(
    base_path: Path,
    tasks: Sequence[AlignmentTask],
    settings: GrpoSettings,
    adapter_dir: Path,
    progress: Callable[[StepLog, int], None] | None = None,
) -> list[StepLog]:
    """Train a LoRA adapter on `tasks` and save it to `adapter_dir`; returns the log of every step."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    needed = settings.steps * settings.prompts_per_step
    if len(tasks) < needed:
        raise ValueError(f"{needed} tasks are needed for {settings.steps} steps; got {len(tasks)}")
    tokenizer = AutoTokenizer.from_pretrained(base_path)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    rows = [{"prompt": prefilled_prompt(tokenizer, task), "prefill": PREFILL, "candidate_count": len(task.candidates),
             "target": task.target} for task in tasks[:needed]]  # fmt: skip
    cuda = torch.cuda.is_available()
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.bfloat16 if cuda else torch.float32)
    history: list[StepLog] = []

    class StepLogger(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            values = logs or {}
            if "reward" not in values:
                return
            means = {name: float(values.get(f"rewards/{function.__name__}/mean", 0.0))
                     for name, function in REWARDS.items()}  # fmt: skip
            entry = StepLog(state.global_step, float(values["reward"]), means, float(values.get("step_time", 0.0)))
            history.append(entry)
            if progress:
                progress(entry, settings.steps)

    with tempfile.TemporaryDirectory() as scratch:
        args = GRPOConfig(
            output_dir=scratch, max_steps=settings.steps, learning_rate=settings.lr,
            per_device_train_batch_size=settings.prompts_per_step * settings.generations,
            num_generations=settings.generations, max_completion_length=settings.max_completion_length,
            temperature=settings.temperature, beta=settings.beta, reward_weights=list(settings.reward_weights),
            shuffle_dataset=False, logging_steps=1, save_strategy="no", report_to="none", use_cpu=not cuda,
            bf16=cuda, seed=settings.seed, dataloader_num_workers=0, disable_tqdm=True,
            gradient_checkpointing=False,  # a 135M model fits: recomputing activations only costs time
        )  # fmt: skip
        trainer = GRPOTrainer(
            model=model, reward_funcs=list(REWARDS.values()), args=args, train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer, callbacks=[StepLogger()],
            peft_config=LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=0.0,
                                   target_modules=["q_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM"),
        )  # fmt: skip
        trainer.train()
        trainer.model.save_pretrained(adapter_dir)
    return history


def prefilled_prompt(tokenizer, task: AlignmentTask) -> str:
    """The chat prompt with the assistant's answer started (PREFILL), as plain text for trl."""
    return tokenizer.apply_chat_template(task.conversation(), tokenize=False, add_generation_prompt=True) + PREFILL


def reward_means(
    base_path: Path, tasks: Sequence[AlignmentTask], *, adapter_dir: Path | None = None, max_new_tokens: int = 64,
    batch_size: int = 8,
) -> dict[str, float]:  # fmt: skip
    """Each reward's mean over `tasks`, answered greedily by the base model (or it with an adapter),
    and `reward`, their sum: what the alignment gate compares."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_path)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    tokenizer.padding_side = "left"  # generation continues every row from its own end
    cuda = torch.cuda.is_available()
    model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.bfloat16 if cuda else torch.float32)
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter_dir)
    model.to("cuda" if cuda else "cpu").eval()
    outputs: list[str] = []
    for start in range(0, len(tasks), batch_size):
        batch = tasks[start : start + batch_size]
        prompts = [prefilled_prompt(tokenizer, task) for task in batch]
        encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        with torch.no_grad():
            generated = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                       pad_token_id=tokenizer.pad_token_id)  # fmt: skip
        width = encoded["input_ids"].shape[1]
        outputs += tokenizer.batch_decode(generated[:, width:], skip_special_tokens=True)
    columns = {"candidate_count": [len(t.candidates) for t in tasks], "target": [t.target for t in tasks],
               "prefill": [PREFILL] * len(tasks)}  # fmt: skip
    means = {name: sum(function(outputs, **columns)) / max(len(tasks), 1) for name, function in REWARDS.items()}
    return {**{name: round(value, 4) for name, value in means.items()}, "reward": round(sum(means.values()), 4)}
