#!/usr/bin/python3
"""Holds out every K-th example of each intent of a text,category CSV as a validation file, for tuning on
training data only (the test file is never looked at).

    /usr/bin/python3 bench/nlu/split_csv.py ../shared/datasets/banking77/train.csv OUT_DIR [--every 10]
"""
import argparse
import csv
import os
from collections import defaultdict


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("out")
    p.add_argument("--every", type=int, default=10)
    a = p.parse_args()
    with open(a.csv, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    seen = defaultdict(int)
    train, val = [], []
    for row in rows:
        seen[row[1]] += 1
        (val if seen[row[1]] % a.every == 0 else train).append(row)
    os.makedirs(a.out, exist_ok=True)
    for name, part in (("train.csv", train), ("val.csv", val)):
        with open(os.path.join(a.out, name), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(part)
    print(f"{len(train)} train, {len(val)} validation examples in {a.out}")


if __name__ == "__main__":
    main()
