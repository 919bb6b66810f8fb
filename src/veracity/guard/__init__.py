"""Guards: prompt-injection detection for queries and retrieved text, and groundedness judges."""

from veracity.guard.injection import GuardVerdict, InjectionDetector

__all__ = ["GuardVerdict", "InjectionDetector"]
