#!/usr/bin/python3
"""scikit-learn peer for `kefu nlu bench`: TF-IDF (word 1-2 + char_wb 2-5, sublinear) + LinearSVC.

Same arguments and JSON fields as `kefu nlu bench` (docs ARCHITECTURE.md, "Benchmark contracts").
Latency: each test query predicted alone after a warm-up, over all n_test queries.
Run with Debian's /usr/bin/python3 and python3-sklearn. Entities are not predicted, so entity_f1 is absent.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC


def load(path):
    """(texts, labels) from a CSV with header text,category|intent or JSON lines {"text","intent"}."""
    texts, labels = [], []
    if path.endswith((".jsonl", ".json")):
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    texts.append(row["text"])
                    labels.append(row["intent"])
                except (ValueError, KeyError) as e:
                    sys.exit(f"{path}:{number}: expected a JSON object with text and intent ({e})")
        return texts, labels
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        label_column = next((c for c in ("category", "intent") if c in (reader.fieldnames or [])), None)
        if "text" not in (reader.fieldnames or []) or label_column is None:
            sys.exit(f"{path}:1: expected a header with text and category (or intent), got {reader.fieldnames}")
        for row in reader:
            texts.append(row["text"])
            labels.append(row[label_column])
    return texts, labels


def build_model():
    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LinearSVC())


def predict_one_by_one(model, texts):
    """(predictions, milliseconds per query): each text alone, as a served query would come."""
    predicted, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        predicted.append(model.predict([text])[0])
        latencies.append((time.perf_counter() - start) * 1000)
    return predicted, latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--oos-label")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    train_texts, train_labels = load(args.train)
    test_texts, test_labels = load(args.test)

    start = time.perf_counter()
    model = build_model().fit(train_texts, train_labels)
    train_seconds = time.perf_counter() - start

    model.predict(train_texts[:50])  # warm-up
    predicted, latencies = predict_one_by_one(model, test_texts)

    result = {
        "accuracy": accuracy_score(test_labels, predicted),
        "macro_f1": f1_score(test_labels, predicted, labels=sorted(set(test_labels)), average="macro"),
    }
    if args.oos_label:
        gold = np.array(test_labels)
        guess = np.array(predicted)
        in_scope = gold != args.oos_label
        result["in_scope_accuracy"] = float(np.mean(guess[in_scope] == gold[in_scope]))
        result["oos_recall"] = float(np.mean(guess[~in_scope] == args.oos_label)) if (~in_scope).any() else None
    result.update({
        "train_seconds": train_seconds,
        "latency_p50_ms": float(np.percentile(latencies, 50)),
        "latency_p99_ms": float(np.percentile(latencies, 99)),
        "n_train": len(train_texts),
        "n_test": len(test_texts),
    })

    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:18} {value:.4f}" if isinstance(value, float) else f"{key:18} {value}")


if __name__ == "__main__":
    main()
