"""Training smoke benchmark: TRL's RewardTrainer on the published ``pairs`` config.

Proves the ``pairs`` export is directly consumable by ``trl.RewardTrainer`` (conversational
``prompt``/``chosen``/``rejected`` plus a float ``margin``) without any Hub access: the tokenizer is
trained on the dataset's own text and the model is a tiny randomly initialised reward head.
A pass means every logged loss is finite and the losses are not all equal; it says nothing about
model quality.

Needs torch, transformers and trl (kept out of the package's own dependencies), e.g.::

    python bench/train_smoke.py --dataset dist/ --steps 20
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasets import Dataset
    from transformers import LlamaForSequenceClassification, PreTrainedTokenizerFast
    from trl import RewardConfig

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"
ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>")
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>' }}\n{{ message['content'] }}" + EOS + "\n"
    "{% endfor %}"
)
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="published dataset directory")
    parser.add_argument("--config", default="pairs", help="dataset config name")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--max-length", type=int, default=512, help="longer pairs are dropped")
    parser.add_argument("--vocab-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def conversation_texts(dataset: Dataset) -> Iterator[str]:
    """Every message content, so the tokenizer covers prompts and both completions."""
    for row in dataset:
        for column in ("prompt", "chosen", "rejected"):
            for message in row.get(column) or []:
                yield message["content"]


def build_tokenizer(dataset: Dataset, vocab_size: int) -> PreTrainedTokenizerFast:
    """A BPE tokenizer trained on the dataset itself: nothing is downloaded."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = [PAD, EOS, UNK, *ROLE_TOKENS]
    core = Tokenizer(models.BPE(unk_token=UNK))
    core.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(), pre_tokenizers.Digits()]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, show_progress=False
    )
    core.train_from_iterator(conversation_texts(dataset), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token=PAD,
        eos_token=EOS,
        unk_token=UNK,
        additional_special_tokens=list(ROLE_TOKENS),
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def build_model(
    tokenizer: PreTrainedTokenizerFast, max_length: int
) -> LlamaForSequenceClassification:
    """A 2-layer, 64-wide Llama with a one-logit score head, randomly initialised."""
    from transformers import LlamaConfig, LlamaForSequenceClassification

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=max_length,
        num_labels=1,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    return LlamaForSequenceClassification(config)


def logged_losses(log_history: list[dict[str, Any]]) -> list[float]:
    return [float(entry["loss"]) for entry in log_history if "loss" in entry]


def length_baseline(tokenized: Dataset) -> float:
    """Accuracy of "the longer one is chosen" (ties half): a free score no model should need."""
    wins = 0.0
    for chosen, rejected in zip(tokenized["chosen_ids"], tokenized["rejected_ids"], strict=True):
        wins += 1.0 if len(chosen) > len(rejected) else 0.5 if len(chosen) == len(rejected) else 0.0
    return wins / max(len(tokenized), 1)


def verdict(losses: Sequence[float]) -> str | None:
    """None when the run passes, else why it fails."""
    if not losses:
        return "no loss was logged"
    if not all(math.isfinite(loss) for loss in losses):
        return "a loss is not finite"
    if len(set(losses)) == 1:
        return "every loss is equal: nothing was learned"
    return None


@dataclass(frozen=True)
class SmokeResult:
    rows: int
    kept: int
    length_baseline: float
    vocab: int
    params: int
    losses: list[float]


def reward_config(args: argparse.Namespace, out_dir: str) -> RewardConfig:
    """CPU, fp32, no checkpointing or saving: the fewest moving parts that still use the trainer."""
    from trl import RewardConfig

    return RewardConfig(
        output_dir=out_dir,
        max_steps=args.steps,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr,
        max_length=args.max_length,
        logging_steps=1,
        report_to=[],
        save_strategy="no",
        use_cpu=True,
        bf16=False,
        activation_checkpointing=False,
        seed=args.seed,
        disable_tqdm=True,
    )


def train(args: argparse.Namespace) -> SmokeResult:
    import datasets
    import torch
    from trl import RewardTrainer

    datasets.disable_progress_bars()
    torch.manual_seed(args.seed)
    dataset = datasets.load_dataset(args.dataset, args.config, split="train")
    tokenizer = build_tokenizer(dataset, args.vocab_size)
    model = build_model(tokenizer, args.max_length)
    with tempfile.TemporaryDirectory(prefix="train-smoke-") as out_dir:
        trainer = RewardTrainer(
            model=model,
            args=reward_config(args, out_dir),
            train_dataset=dataset,
            processing_class=tokenizer,
        )
        tokenized = trainer.train_dataset
        trainer.train()
    return SmokeResult(
        rows=len(dataset),
        kept=len(tokenized),
        length_baseline=length_baseline(tokenized),
        vocab=len(tokenizer),
        params=sum(p.numel() for p in model.parameters()),
        losses=logged_losses(trainer.state.log_history),
    )


def report(args: argparse.Namespace, result: SmokeResult, elapsed: float) -> None:
    import torch
    import transformers
    import trl

    losses = result.losses
    print(
        f"torch {torch.__version__}  transformers {transformers.__version__}  trl {trl.__version__}"
    )
    print(
        f"dataset {args.dataset} config={args.config}: {result.rows} rows, "
        f"{result.kept} kept (<= {args.max_length} tokens)"
    )
    print(f"length-only baseline (chosen is the longer): {result.length_baseline:.3f}")
    print(f"tokenizer vocab {result.vocab}, model params {result.params:,}")
    print(f"steps {args.steps}, batch {args.batch_size}, lr {args.lr}")
    print("losses: " + " ".join(f"{loss:.4f}" for loss in losses))
    if losses:
        print(f"first {losses[0]:.4f}  last {losses[-1]:.4f}  min {min(losses):.4f}")
    print(f"wall time {elapsed:.1f} s")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = train(args)
    report(args, result, time.perf_counter() - started)
    failure = verdict(result.losses)
    print("FAIL: " + failure if failure else "PASS")
    return 1 if failure else 0


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.update(OFFLINE_ENV)
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
