#!/usr/bin/python3
"""Splits a Rasa nlu.yml into train and test nlu.yml files, every K-th example of each intent to test,
keeping annotations as written, so `kefu nlu bench` can score entities on held-out examples.

    /usr/bin/python3 bench/nlu/split_nlu.py samples/ecommerce-zh/data/nlu.yml OUT_DIR [--every 5]
"""
import argparse
import os
import yaml


def block(dumper, text):
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("nlu")
    p.add_argument("out")
    p.add_argument("--every", type=int, default=5)
    a = p.parse_args()
    data = yaml.safe_load(open(a.nlu, encoding="utf-8"))
    train, test = [], []
    for item in data.get("nlu", []):
        if "intent" not in item:
            train.append(item)  # synonyms, regexes and lookups stay with the training side
            continue
        examples = [l[2:] for l in item["examples"].splitlines() if l.startswith("- ")]
        held = [e for i, e in enumerate(examples) if i % a.every == a.every - 1]
        kept = [e for i, e in enumerate(examples) if i % a.every != a.every - 1]
        for side, chosen in ((train, kept), (test, held)):
            if chosen:
                side.append({"intent": item["intent"], "examples": "".join(f"- {e}\n" for e in chosen)})
    yaml.SafeDumper.add_representer(str, block)
    os.makedirs(a.out, exist_ok=True)
    for name, items in (("train.yml", train), ("test.yml", test)):
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            yaml.safe_dump({"version": "3.1", "nlu": items}, f, allow_unicode=True, sort_keys=False, default_style=None)
    print(f"{sum(len(i['examples'].splitlines()) for i in train if 'intent' in i)} train, "
          f"{sum(len(i['examples'].splitlines()) for i in test)} test examples in {a.out}")


if __name__ == "__main__":
    main()
