"""Business tasks over text: classification into the user's labels, sentiment, prioritization.

The Python API::

    from veracity.tasks import classify, analyze_sentiment, prioritize

    classify(["my card was charged twice"], ["billing", "shipping", "login"])
    analyze_sentiment(["The battery died after a day."])       # label, score in [-1, 1]
    prioritize(["App is down, need it fixed ASAP!", "Lovely"])  # most urgent negative first

Each takes ``embedder=`` (default all-MiniLM-L6-v2); ``build_classifier`` and
``SentimentAnalyzer`` keep a fitted model for repeated use.
"""

from veracity.tasks.classify import (
    Calibration,
    Classification,
    Classifier,
    Example,
    Label,
    build_classifier,
    classify,
    parse_label_spec,
)
from veracity.tasks.priority import CUES, Priority, prioritize, rank, urgency_cues
from veracity.tasks.sentiment import (
    Sentiment,
    SentimentAnalyzer,
    SentimentModel,
    analyze_sentiment,
)

__all__ = [
    "CUES",
    "Calibration",
    "Classification",
    "Classifier",
    "Example",
    "Label",
    "Priority",
    "Sentiment",
    "SentimentAnalyzer",
    "SentimentModel",
    "analyze_sentiment",
    "build_classifier",
    "classify",
    "parse_label_spec",
    "prioritize",
    "rank",
    "urgency_cues",
]
