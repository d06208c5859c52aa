# Prints a base64 precompiled_charsmap, SentencePiece's compiled normalization map as tokenizer.json's Precompiled
# normalizer carries it, made by SentencePiece 0.1.97 (Debian's python3-sentencepiece) while training a throwaway model.
# Without arguments: the map make_subword_oracle.js puts in its "unigram-precompiled" tokenizer.json, compiled from
# these rules into the same double-array trie format as the built-in maps and small enough to keep in the repo:
# full-width letters and ideographic space, a ligature and a circled digit expanded, a decomposed é composed (one
# grapheme), a zero-width space deleted, an emoji replaced, a two-grapheme key (never matched: tokenizers looks up one
# grapheme or one character at a time), and "A" (a prefix of the grapheme "A" + U+0301).
# With the argument nmt_nfkc: SentencePiece's built-in nmt_nfkc map (the one XLM-R's tokenizer.json carries; about
# 240 KB, not kept in the repo: NmtNfkcOracleTests runs this script and checks the map's sha256).
# Run: /usr/bin/python3 make_precompiled_charsmap.py [nmt_nfkc]
import base64, os, sys, tempfile
import sentencepiece as spm

RULES = """FF48\t68
FF45\t65
FF4C\t6C
FF4F\t6F
3000\t20
FB01\t66 69
65 301\tE9
200B\t
1F44D\t2B
2460\t31
3231\t28 682A 29
FF21 FF22\t61 62
41\t61
"""

def varint(buf, i):
    value = shift = 0
    while True:
        b = buf[i]; i += 1
        value |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            return value, i

def fields(buf):  # protobuf wire format, enough for ModelProto.normalizer_spec (3) -> precompiled_charsmap (2)
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i); yield number, value
        elif wire == 2:
            n, i = varint(buf, i); yield number, buf[i:i + n]; i += n
        elif wire == 5:
            yield number, buf[i:i + 4]; i += 4
        elif wire == 1:
            yield number, buf[i:i + 8]; i += 8

with tempfile.TemporaryDirectory() as d:
    rules = os.path.join(d, "rules.tsv")
    with open(rules, "w") as f:
        f.write(RULES)
    normalization = {"normalization_rule_name": "nmt_nfkc"} if sys.argv[1:] == ["nmt_nfkc"] else {"normalization_rule_tsv": rules}
    spm.SentencePieceTrainer.train(sentence_iterator=iter(["hello world", "我的订单123在哪里", "cafe fine"] * 30),
                                   model_prefix=os.path.join(d, "m"), vocab_size=30, model_type="unigram",
                                   hard_vocab_limit=False, minloglevel=2, **normalization)
    model = open(os.path.join(d, "m.model"), "rb").read()
spec = next(v for n, v in fields(model) if n == 3)
print(base64.b64encode(next(v for n, v in fields(spec) if n == 2)).decode())
