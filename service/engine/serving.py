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
* TTFT = ``f + pp x (n_c x (t_chunk + L) + (C-1)/C x t/2) + wait``: a fixed per-request cost ``f``
  (HTTP, tokenisation, admission, first sampling: 10-40 ms), the request's own prompt in ``n_c`` chunks
  each riding on a step that also carries the others' decodes and prefill share (``t_chunk``), half a
  step waiting for the step boundary when the others keep the replica busy (a lone request in a closed
  loop finds it idle), and the wait behind other prompts' prefill (below), plus queueing for a slot
  when ``C`` exceeds what memory or the scheduler admits;
* ``L`` is the host-launch cost of a step that carries prompt tokens (``prefill_step_s``): SGLang and the
  TensorRT-LLM PyTorch backend capture CUDA graphs for decode-only steps and launch a prefill step's
  kernels one by one from Python (:data:`EAGER_PREFILL_FRAMEWORKS`). For a dense model the host runs
  ahead of the GPU and the launches hide behind GPU work; a mixture-of-experts layer synchronises with
  the host at prefill (per-expert token counts size the grouped GEMMs and dispatch buffers), so the
  host's launch time is exposed at every layer: ``L = kernels of the step x prefill_kernel_latency_s``
  (fitted to measured TTFT; DeepSeek-R1: 1,321 kernels). It is paid by every step carrying a prompt,
  so it also slows the prefill capacity ``R`` below. Throughput and TPOT keep the calibrated step
  model (at the large batches of the throughput benchmarks the host launches overlap GPU work);
* the wait behind other prefills uses the replica's *prefill capacity alongside decode*: a step under
  the token budget ``M`` carries the decode batch ``b`` and ``q = M - b`` prompt tokens, so prompts are
  absorbed at ``R = m q / (pp (t(b, q) + L))`` tokens/s and one prompt occupies ``I / R`` of it.

  - fixed concurrency (benchmark clients that send the next request when the last one ends): requests
    started together finish together, so arrivals come in waves. A share ``w`` (``wave_fraction``) of
    the other ``C - 1`` requests arrives with a given one; FCFS, it waits on average for half of them,
    ``w (C - 1) / 2 x I / R`` (in those steps the wave's members are not decoding: ``b (1 - w)``).
    In a perfectly deterministic closed loop the first wave staggers itself (each client's next request
    arrives just as the previous prompt is done), so ``w`` is the share that length jitter and the first
    round keep clustered;
  - request rate (Poisson arrivals): M/D/1 wait for prefill capacity, ``rho / (2 (1 - rho)) x I / R``
    with utilisation ``rho = lambda I / R``;
  - maximum throughput (all requests queued at once): measured from admission to a batch slot, as at
    fixed concurrency with ``C`` = the batch the scheduler holds (time in the benchmark's queue before
    admission grows with the number of requests queued and is not included);
* end-to-end = TTFT + (O - 1) TPOT; by Little's law requests/s = ``C / (S pp t)`` (each request
  spends S steps of the averaged stage time) and output tokens/s = ``O x requests/s``.

Scheduler limits are physical constraints of the serving stack: at most ``max_batch_size`` requests in
flight per micro-batch and ``max_num_tokens`` tokens per step. For TensorRT-LLM's maximum-throughput
figures these are what ``trtllm-bench`` sets (``tensorrt_llm/bench/build/tuning.py``,
``finetune_setting``): batch capped at 4096 (divided over pp stages) and tokens per step at 32,768;
online serving (fixed concurrency, request rate) runs ``trtllm-serve`` with its defaults (2048, 8192);
other stacks use their serving defaults.
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


SERVE_LIMITS: dict[str, SchedulerLimits] = {"trtllm": SchedulerLimits(2048, 8192)}
"""Online serving where it differs from the offline benchmark: ``trtllm-serve`` keeps TensorRT-LLM's
``BaseLlmArgs`` defaults (``max_batch_size`` 2048, ``max_num_tokens`` 8192), while ``trtllm-bench``
raises the token budget to 32,768. Fixed-concurrency and request-rate workloads are served online."""


def scheduler_limits(framework: str, *, serving: bool = False) -> SchedulerLimits:
    """The scheduler limits of ``framework`` (vLLM's where unknown); ``serving``: an online server
    (fixed concurrency or request rate) rather than the offline maximum-throughput benchmark."""
    if serving and framework in SERVE_LIMITS:
        return SERVE_LIMITS[framework]
    return SCHEDULER_LIMITS.get(framework, SCHEDULER_LIMITS["vllm"])


EAGER_PREFILL_FRAMEWORKS: frozenset[str] = frozenset({"sglang", "trtllm"})
"""Stacks whose steps carrying prompt tokens run outside the CUDA graph, every kernel launched from
Python: SGLang captures graphs for decode batches only (extend batches run eagerly), and the
TensorRT-LLM PyTorch backend (its default since 1.0, and the only one serving DeepSeek-V3/R1) graphs
generation-only steps. vLLM V1 runs mixed and prefill steps in piecewise CUDA graphs; Gaudi (HPU graphs
per bucket), JetStream (XLA) and Neuron compile them."""


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
        wave_fraction: float = 0.0,
        request_overhead_s: float = 0.0,
        prefill_step_s: float = 0.0,
    ) -> None:
        self.sm = sm
        self.prefill_step_s = max(prefill_step_s, 0.0)
        self.wave_fraction = min(max(wave_fraction, 0.0), 1.0)
        self.request_overhead_s = max(request_overhead_s, 0.0)
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

    def _mix(self, active: float) -> tuple[float, float, float]:
        """Micro-batches in flight and decode / prefill tokens per step of one micro-batch."""
        # With fewer requests than stages the pipeline cannot fill, the empty stages idle (the bubble)
        # and each micro-batch carries one request.
        micro_batches = min(float(self.pp), active)
        per_mb = active / micro_batches
        return micro_batches, per_mb * (self.o - 1) / self.steps, per_mb * self.i / self.steps

    def prefill_rate(self, micro_batches: float, b: float) -> float:
        """Prompt tokens/s the replica absorbs while each step also carries ``b`` decode tokens:
        the token budget left after the decodes (at least an eighth of it: finishing decodes free
        budget) goes to prompt chunks."""
        budget = float(self.limits.max_num_tokens)
        q = max(budget - b, budget / 8.0)
        t = self.sm.step(b, q, self.ctx_decode, self.ctx_prefill).total_s + self.prefill_step_s
        return micro_batches * q / (self.pp * t)

    def prefill_wait(self, active: float, requests_per_s: float, arrivals: str = "waves") -> float:
        """Mean wait of a new request behind other requests' prompts (see the module docstring).

        ``arrivals``: ``"waves"`` (fixed-concurrency clients) or ``"poisson"`` (request rate)."""
        micro_batches, b, _ = self._mix(active)
        w = self.wave_fraction if arrivals == "waves" else 0.0
        wait = 0.0
        if w > 0.0 and active > 1.0:
            # The wave's members prefill instead of decoding while it is absorbed.
            rate = self.prefill_rate(micro_batches, b * (1.0 - w))
            wait += w * (active - 1.0) / 2.0 * self.i / rate
        if arrivals != "waves":
            rate = self.prefill_rate(micro_batches, b)
            service = self.i / rate
            rho = min(requests_per_s * service, 0.95)
            wait += (1.0 - w) * rho / (2.0 * (1.0 - rho)) * service
        return wait

    def at(self, concurrency: float, arrivals: str = "waves") -> Operating:
        active = min(max(concurrency, 1.0), self.capacity)
        micro_batches, b, p = self._mix(active)
        st = self.sm.step(b, p, self.ctx_decode, self.ctx_prefill)
        stage = self.pp * st.total_s
        # Steady state: every request takes S steps of the (averaged) stage time.
        rps = active / (self.steps * stage)
        # The request's own prefill: n_c steps each carrying one chunk of its prompt beside the
        # others' decodes and prefill share, plus half a step waiting for the step boundary.
        others = (active - 1.0) / active if active > 1.0 else 0.0
        chunk_step = self.sm.step(b * others, p * others + self.i / self.n_chunks, self.ctx_decode, self.ctx_prefill)
        ttft = (
            self.request_overhead_s
            + self.pp * (self.n_chunks * (chunk_step.total_s + self.prefill_step_s) + 0.5 * others * st.total_s)
            + self.prefill_wait(active, rps, arrivals)
        )
        tpot = stage
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
        saturated (capacity returned) when the rate exceeds what the replica can serve. Arrivals are
        Poisson: TTFT carries the M/D/1 wait for prefill capacity at the offered rate."""
        cap_op = self.at(self.capacity, "poisson")
        if requests_per_s >= cap_op.requests_per_s:
            return cap_op, True
        lo, hi = 0.0, self.capacity
        op = cap_op
        for _ in range(40):
            mid = (lo + hi) / 2
            op = self.at(max(mid, 1e-9), "poisson") if mid >= 1.0 else self._fractional(mid)
            if op.requests_per_s < requests_per_s:
                lo = mid
            else:
                hi = mid
            if hi - lo < 1e-3 * max(hi, 1.0):
                break
        op = self.at(hi, "poisson") if hi >= 1.0 else self._fractional(hi)
        # Below capacity the replica serves exactly the offered rate; the bisection only sets the
        # concurrency (and so the latencies) that rate implies, and the prefill queue sees that rate.
        wait_op = self.prefill_wait(op.active, op.requests_per_s, "poisson")
        wait_rate = self.prefill_wait(op.active, requests_per_s, "poisson")
        ttft = op.ttft_s - wait_op + wait_rate
        rate_op = Operating(
            op.concurrency,
            op.active,
            op.step,
            ttft,
            op.tpot_s,
            ttft + (self.o - 1) * op.tpot_s,
            requests_per_s,
            requests_per_s * self.o,
        )
        return rate_op, False

    def _fractional(self, concurrency: float) -> Operating:
        """Below one request in flight the replica idles between requests: latencies of a lone
        request (its prompt queues only behind the rare overlapping arrival), throughput
        ``concurrency / e2e``."""
        solo = self.at(1.0, "poisson")
        rps = concurrency / solo.e2e_s
        ttft = solo.ttft_s - self.prefill_wait(1.0, solo.requests_per_s, "poisson")
        ttft += self.prefill_wait(1.0, rps, "poisson")
        e2e = ttft + (self.o - 1) * solo.tpot_s
        return Operating(concurrency, concurrency, solo.step, ttft, solo.tpot_s, e2e, rps, rps * self.o)
