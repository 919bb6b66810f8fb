"""Business tasks over text: classification into the user's labels, sentiment, prioritization.

The Python API::

    from veracity.tasks import classify, analyze_sentiment, prioritize

    classify(["my card was charged twice"], ["billing", "shipping", "login"])
    analyze_sentiment(["The battery died after a day."])       # label, score in [-1, 1]
    prioritize(["App is down, need it fixed ASAP!", "Lovely"])  # most urgent negative first
    find_complaints(read_feedback(Path("reviews.csv"), "review"))  # the top 5 complaints, cited
    summarize(file_passages(["report.pdf"]), sentences=5)  # extractive, each sentence cited
    translate("The office opens at nine.", "fr", get_generator("PATH.gguf"))  # by sentence groups
    code("explain", "print(sum(range(10)))", get_generator("smollm2"))  # or generate, convert

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
from veracity.tasks.code import CodeResult, code
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
from veracity.tasks.translate import Translation, translate

__all__ = [
    "CUES",
    "Calibration",
    "Classification",
    "Classifier",
    "CodeResult",
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
    "Translation",
    "analyze_sentiment",
    "build_classifier",
    "classify",
    "code",
    "collection_feedback",
    "file_passages",
    "find_complaints",
    "parse_label_spec",
    "prioritize",
    "rank",
    "read_feedback",
    "summarize",
    "translate",
    "urgency_cues",
]
