"""Continuous batching with chunked prefill, in steady state, for one model replica.

A replica (tp x pp accelerators) holds ``C`` requests. Each request needs ``n_c = ceil(I / M)``
prefill steps (``M`` = the scheduler's token budget per step) and ``O - 1`` decode steps, so
``S = n_c + O - 1`` steps in all. Per pipeline micro-batch (``C / pp`` requests) a step therefore
carries on average ``b = C (O-1) / (S m)`` decode tokens and ``p = C I / (S m)`` prefill tokens
(the ``C x I / O`` of ``ENGINE_NOTES.md``), where ``m = min(pp, C)`` micro-batches are in flight. With
stage time ``t``:

* TPOT = ``pp x t``: a token crosses every stage, each paying its own fixed step overhead and hand-off,
  so pipeline parallelism adds per-stage latency; with ``C < pp`` the pipeline has bubbles (stages idle
  while the ``C`` micro-batches are elsewhere), so throughput ``C / (S pp t)`` falls below the full pipeline's;
* TTFT = ``pp x (n_c x t_chunk + t/2)``, where ``t_chunk`` is a step carrying one
  chunk of the request's own prompt, plus half a step waiting for the step boundary, plus queueing
  for a slot when ``C`` exceeds what memory or the scheduler admits;
* end-to-end = TTFT + (O - 1) TPOT; by Little's law requests/s = ``C / (S pp t)`` (each request
  spends S steps of the averaged stage time) and output tokens/s = ``O x requests/s``.

Scheduler limits are physical constraints of the serving stack: at most ``max_batch_size`` requests in
flight per micro-batch and ``max_num_tokens`` tokens per step. For TensorRT-LLM these are what
``trtllm-bench`` sets (``tensorrt_llm/bench/build/tuning.py``, ``finetune_setting``): batch capped at
4096 (divided over pp stages) and tokens per step at 32,768; other stacks use their serving defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.engine.timing import StepModel, StepTime


@dataclass(frozen=True)
class SchedulerLimits:
    max_batch_size: int
    max_num_tokens: int


SCHEDULER_LIMITS: dict[str, SchedulerLimits] = {
    "trtllm": SchedulerLimits(4096, 32768),
    "vllm": SchedulerLimits(1024, 8192),
    "sglang": SchedulerLimits(2048, 8192),
    "optimum-habana": SchedulerLimits(2048, 8192),
    "jetstream": SchedulerLimits(512, 8192),
    "neuronx": SchedulerLimits(256, 8192),
}


@dataclass(frozen=True)
class Operating:
    """One operating point of a replica at concurrency ``concurrency`` (requests held)."""

    concurrency: float
    active: float
    step: StepTime
    ttft_s: float
    tpot_s: float
    e2e_s: float
    requests_per_s: float
    output_tokens_per_s: float


class ReplicaServer:
    """Operating points of one replica for one workload."""

    def __init__(
        self,
        sm: StepModel,
        *,
        pp: int,
        input_tokens: int,
        output_tokens: int,
        max_sequences: int,
        limits: SchedulerLimits,
    ) -> None:
        self.sm = sm
        self.pp = pp
        self.i = input_tokens
        self.o = output_tokens
        self.limits = limits
        self.n_chunks = max(1, math.ceil(input_tokens / limits.max_num_tokens))
        self.steps = self.n_chunks + output_tokens - 1
        tokens_per_request = (output_tokens - 1) + input_tokens
        token_cap = limits.max_num_tokens * self.steps * pp / max(tokens_per_request, 1)
        batch_cap = limits.max_batch_size
        self.memory_cap = max_sequences
        self.capacity = max(1.0, min(float(max_sequences), float(batch_cap), token_cap))
        self.capacity_limited_by = "memory capacity" if max_sequences <= min(batch_cap, token_cap) else "scheduler"
        self.ctx_decode = input_tokens + output_tokens / 2
        self.ctx_prefill = input_tokens / 2

    def at(self, concurrency: float) -> Operating:
        active = min(max(concurrency, 1.0), self.capacity)
        # Micro-batches in flight: with fewer requests than stages the pipeline cannot fill, the
        # empty stages idle (the bubble) and each micro-batch carries one request.
        micro_batches = min(float(self.pp), active)
        per_mb = active / micro_batches
        b = per_mb * (self.o - 1) / self.steps
        p = per_mb * self.i / self.steps
        st = self.sm.step(b, p, self.ctx_decode, self.ctx_prefill)
        stage = self.pp * st.total_s
        # The request's own prefill: n_c steps each carrying one chunk of its prompt beside the
        # others' decodes and prefill share, plus half a step waiting for the step boundary.
        others = (active - 1.0) / active if active > 1.0 else 0.0
        chunk_step = self.sm.step(b * others, p * others + self.i / self.n_chunks, self.ctx_decode, self.ctx_prefill)
        ttft = self.pp * (self.n_chunks * chunk_step.total_s + 0.5 * st.total_s)
        tpot = stage
        e2e = ttft + (self.o - 1) * tpot
        # Steady state: every request takes S steps of the (averaged) stage time.
        rps = active / (self.steps * stage)
        if concurrency > active:
            ttft += (concurrency - active) / rps
            e2e = ttft + (self.o - 1) * tpot
        return Operating(concurrency, active, st, ttft, tpot, e2e, rps, rps * self.o)

    def max_throughput(self) -> Operating:
        """Throughput rises with concurrency until the cap in all but pathological cases; check a few
        points below the cap too and keep the best."""
        cap = self.capacity
        best = self.at(cap)
        for frac in (0.75, 0.5):
            c = max(1.0, math.floor(cap * frac))
            op = self.at(c)
            if op.output_tokens_per_s > best.output_tokens_per_s * 1.0001:
                best = op
        return best

    def largest_meeting(self, ttft_s: float | None, tpot_s: float | None) -> Operating | None:
        """Largest integer concurrency (bisection: TTFT and TPOT grow with it) meeting both targets."""

        def ok(op: Operating) -> bool:
            return (ttft_s is None or op.ttft_s <= ttft_s) and (tpot_s is None or op.tpot_s <= tpot_s)

        lo_op = self.at(1.0)
        if not ok(lo_op):
            return None
        hi = int(self.capacity)
        hi_op = self.at(hi)
        if ok(hi_op):
            return hi_op
        lo = 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            op = self.at(mid)
            if ok(op):
                lo, lo_op = mid, op
            else:
                hi = mid
        return lo_op

    def at_rate(self, requests_per_s: float) -> tuple[Operating, bool]:
        """Operating point serving ``requests_per_s`` (Little's law, bisection on concurrency);
        saturated (capacity returned) when the rate exceeds what the replica can serve."""
        cap_op = self.at(self.capacity)
        if requests_per_s >= cap_op.requests_per_s:
            return cap_op, True
        lo, hi = 0.0, self.capacity
        op = cap_op
        for _ in range(40):
            mid = (lo + hi) / 2
            op = self.at(max(mid, 1e-9)) if mid >= 1.0 else self._fractional(mid)
            if op.requests_per_s < requests_per_s:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-3 * max(hi, 1.0):
                break
        op = self.at(hi) if hi >= 1.0 else self._fractional(hi)
        # Below capacity the replica serves exactly the offered rate; the bisection only sets the
        # concurrency (and so the latencies) that rate implies.
        rate_op = Operating(
            op.concurrency,
            op.active,
            op.step,
            op.ttft_s,
            op.tpot_s,
            op.e2e_s,
            requests_per_s,
            requests_per_s * self.o,
        )
        return rate_op, False

    def _fractional(self, concurrency: float) -> Operating:
        """Below one request in flight the replica idles between requests: latencies of a lone
        request, throughput ``concurrency / e2e``."""
        solo = self.at(1.0)
        rps = concurrency / solo.e2e_s
        return Operating(concurrency, concurrency, solo.step, solo.ttft_s, solo.tpot_s, solo.e2e_s, rps, rps * self.o)
