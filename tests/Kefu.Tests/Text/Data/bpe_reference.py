"""Independent oracle for the byte-level BPE edge cases in bpe-edge-cases.json.

OpenAI's GPT-2 encoder.py algorithm (bytes_to_unicode, merge the lowest-ranked bigram until none is left), the
`regex` module for the pre-tokenization patterns (it matches \\p{L} and \\p{N} on code points, as Oniguruma does
inside Hugging Face tokenizers), special tokens split out first. It is checked against the fixtures' own ids (made by
Hugging Face tokenizers) before it writes anything. Run: python3 bpe_reference.py ../../../../../shared/fixtures
"""
import json
import sys
import unicodedata
import regex

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
QWEN2 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class Reference:
    def __init__(self, folder, pattern, nfc):
        self.vocab = json.load(open(f"{folder}/vocab.json", encoding="utf-8"))
        lines = open(f"{folder}/merges.txt", encoding="utf-8").read().split("\n")
        merges = [tuple(l.split(" ")) for l in lines if l and not l.startswith("#version")]
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.pattern = regex.compile(pattern)
        self.nfc = nfc
        tok = json.load(open(f"{folder}/tokenizer.json", encoding="utf-8"))
        self.specials = sorted((t["content"] for t in tok["added_tokens"]), key=len, reverse=True)

    def bpe(self, token):
        word = list(token)
        while len(word) > 1:
            pairs = [(self.ranks.get((word[i], word[i + 1]), float("inf")), i) for i in range(len(word) - 1)]
            rank, _ = min(pairs)
            if rank == float("inf"):
                break
            first, second = next(p for p, r in self.ranks.items() if r == rank)
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = merged
        return word

    def encode(self, text):
        ids = []
        for part in regex.split("(" + "|".join(regex.escape(s) for s in self.specials) + ")", text):
            if part in self.specials:
                ids.append(self.vocab[part])
                continue
            if self.nfc:
                part = unicodedata.normalize("NFC", part)
            for piece in self.pattern.findall(part):
                chars = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
                ids.extend(self.vocab[t] for t in self.bpe(chars))
        return ids


EDGE = [
    "a  b   c", "x\r\ny\n\n\tz", "😀👍🏽 café cafe\u0301", "，。！？（）", "我有3个iPhone15和2台MacBook", "  leading",
    "trailing   ", "it's I'LL don't 'Re", "１２３ ⅷ ٣", "a<|endoftext|>b", "line1\n\n  line2\t\tend", "𠀀𠀁 𝟏𝟐 x𝐀y",
    "Hello, World! 你好，世界。123 + 456 = 579", "ſ 'S 'Ll we'D", "\u3000全角空格\u00A0nbsp", "", " ", "\n",
    "🇨🇳🇺🇸 flags", "Ünïcödé naïve résumé", "tab\tseparated\tvalues", "<|endoftext|><|endoftext|> end",
    "价格：¥1,299.00（含税）", "请在2024年12月31日前退货。Thanks!!! :)",
]

if __name__ == "__main__":
    root = sys.argv[1]
    out = {}
    for name, pattern, nfc in [("tiny-gpt2", GPT2, False), ("tiny-qwen2", GPT2, False), ("tiny-qwen2+qwen2-pretokenizer", QWEN2, True)]:
        folder = f"{root}/{name.split('+')[0]}"
        ref = Reference(folder, pattern, nfc)
        if "+" not in name:
            expected = json.load(open(f"{folder}/expected.json", encoding="utf-8"))
            for text, ids in zip(expected["texts"], expected["input_ids"]):
                assert ref.encode(text) == ids, (name, text)
        out[name] = [{"text": t, "ids": ref.encode(t)} for t in EDGE]
    json.dump(out, open("bpe-edge-cases.json", "w", encoding="utf-8"), ensure_ascii=False, indent=1)
    print("wrote", sum(len(v) for v in out.values()), "cases")
