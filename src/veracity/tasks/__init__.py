"""Business tasks over text: classification into the user's labels, sentiment, prioritization.

The Python API::

    from veracity.tasks import classify, analyze_sentiment, prioritize

    classify(["my card was charged twice"], ["billing", "shipping", "login"])
    analyze_sentiment(["The battery died after a day."])       # label, score in [-1, 1]
    prioritize(["App is down, need it fixed ASAP!", "Lovely"])  # most urgent negative first
    find_complaints(read_feedback(Path("reviews.csv"), "review"))  # the top 5 complaints, cited
    summarize(file_passages(["report.pdf"]), sentences=5)  # extractive, each sentence cited

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
from veracity.tasks.complaints import (
    ComplaintCluster,
    ComplaintReport,
    Quote,
    find_complaints,
)
from veracity.tasks.feedback import FeedbackItem, collection_feedback, read_feedback
from veracity.tasks.priority import CUES, Priority, prioritize, rank, urgency_cues
from veracity.tasks.sentiment import (
    Sentiment,
    SentimentAnalyzer,
    SentimentModel,
    analyze_sentiment,
)
from veracity.tasks.summarize import Summary, SummarySentence, file_passages, summarize

__all__ = [
    "CUES",
    "Calibration",
    "Classification",
    "Classifier",
    "ComplaintCluster",
    "ComplaintReport",
    "Example",
    "FeedbackItem",
    "Label",
    "Priority",
    "Quote",
    "Sentiment",
    "SentimentAnalyzer",
    "SentimentModel",
    "Summary",
    "SummarySentence",
    "analyze_sentiment",
    "build_classifier",
    "classify",
    "collection_feedback",
    "file_passages",
    "find_complaints",
    "parse_label_spec",
    "prioritize",
    "rank",
    "read_feedback",
    "summarize",
    "urgency_cues",
]
