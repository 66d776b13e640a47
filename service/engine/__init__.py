"""Estimator engine: memory fit, latency, throughput and bottleneck of LLM inference.

Pure Python: imports nothing from the web or database side (a test keeps it so).
"""

from service.engine.capability import FRAMEWORKS, default_framework, default_precision, native_precisions
from service.engine.efficiency import EfficiencyTable
from service.engine.estimator import candidate_deployments, estimate, fewest_accelerators
from service.engine.specs import EngineError

ENGINE_VERSION = "0.5.1"

__all__ = [
    "ENGINE_VERSION",
    "FRAMEWORKS",
    "EfficiencyTable",
    "EngineError",
    "candidate_deployments",
    "default_framework",
    "default_precision",
    "estimate",
    "fewest_accelerators",
    "native_precisions",
]
