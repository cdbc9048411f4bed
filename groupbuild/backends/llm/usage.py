"""Per-role request, token and cost accounting, reported in the run manifest."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Usage:
    """Counters of one role. `requests` counts HTTP requests sent, retries included."""

    prompt_price_per_mtok: float = 0.0
    completion_price_per_mtok: float = 0.0
    requests: int = 0
    replies: int = 0
    cached: int = 0
    retries: int = 0
    repairs: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add_tokens(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion

    @property
    def cost(self) -> float:
        return (
            self.prompt_tokens * self.prompt_price_per_mtok
            + self.completion_tokens * self.completion_price_per_mtok
        ) / 1e6

    def report(self) -> dict[str, float | int]:
        data = asdict(self)
        del data["prompt_price_per_mtok"], data["completion_price_per_mtok"]
        return {**data, "cost": round(self.cost, 6)}
