// Writes subword-oracle.json: what Hugging Face's Rust tokenizers gives (ids with and without the post-processor,
// ids with it truncated to 8, normalized text, offsets, word ids (-1 for none), decoded text) for tiny-gpt2's and
// tiny-qwen2's tokenizer.json, for variants of them (Qwen2's Split
// pattern with NFC, add_prefix_space with trimmed offsets, RoBERTa's processing, added-token flags), and for a
// hand-made Unigram tokenizer.json in XLM-R's shape (with a Precompiled normalizer from make_precompiled_charsmap.py,
// and in Llama's byte-fallback shape), over tricky texts.
// Offsets are converted from tokenizers' code points to UTF-16 units, which is what .NET strings index.
//
// Run: (cd /tmp/hf && npm install tokenizers@0.23.2) && NODE_PATH=/tmp/hf/node_modules node make_subword_oracle.js
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const shared = path.join(__dirname, '..', '..', '..', '..', '..', 'shared');
const load = (name) => JSON.parse(fs.readFileSync(path.join(shared, 'fixtures', name, 'tokenizer.json'), 'utf8'));
const gpt2 = load('tiny-gpt2');
const qwen2 = load('tiny-qwen2');

const texts = [
  'a  b   c', 'x\r\ny\n\n\tz', '😀👍🏽 café cafe\u0301', '，。！？（）', '我有3个iPhone15和2台MacBook', '  leading',
  'trailing   ', "it's I'LL don't 'Re", '１２３ ⅷ ٣', 'a<|endoftext|>b', 'line1\n\n  line2\t\tend', '𠀀𠀁 𝟏𝟐 x𝐀y',
  'Hello, World! 你好，世界。123 + 456 = 579', "ſ 'S 'Ll we'D", '\u3000全角空格\u00a0nbsp', '', ' ', '\n',
  '🇨🇳🇺🇸 flags', 'Ünïcödé naïve résumé', 'tab\tseparated\tvalues', '<|endoftext|><|endoftext|> end',
  '价格：¥1,299.00（含税）', '请在2024年12月31日前退货。Thanks!!! :)', '<|im_start|>user\n你好<|im_end|>\n',
  'hello world', 'ｈｅｌｌｏ   world', 'hello 🙂x', 'wo rld  hello', ' hello<|endoftext|> world ',
  'hello<|x|>world <|x|> 123', '<|x|>hello  world',
  // for the Precompiled normalizer's rules (make_precompiled_charsmap.py)
  'ｈｅｌｌｏ　world ﬁne', 'cafe\u0301 A\u0301 ㈱ ① ＡＢ AB', '\u200bhello zero\u200bwidth\u200b', '👍 👍🏽 x👍y', 'e\u0301\u0301 ㈱㈱',
];

const qwen2Split = {
  normalizer: { type: 'NFC' },
  pre_tokenizer: { type: 'Sequence', pretokenizers: [
    { type: 'Split', pattern: { Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, behavior: 'Isolated', invert: false },
    { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
  ] },
};
const token = (id, content, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...o });

const unigramVocab = [
  ['<unk>', 0], ['<s>', 0], ['</s>', 0], ['▁', -2], ['▁hello', -5], ['▁he', -2], ['llo', -2], ['▁world', -4], ['▁w', -3], ['orld', -2.5],
  ['h', -6], ['e', -6], ['l', -6], ['o', -6], ['w', -6], ['r', -6], ['d', -6], ['1', -7], ['2', -7], ['3', -7], ['▁1', -5],
];
const unigram = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [token(0, '<unk>'), token(1, '<s>'), token(2, '</s>')],
  normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
  pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  post_processor: { type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } },
  decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  model: { type: 'Unigram', unk_id: 0, vocab: unigramVocab, byte_fallback: false },
};
// make_precompiled_charsmap.py's output
const charsmap = 'AAQAAAAAAQBBDQAADQAAgMwYAgCBBQAAHQAAgIAoAgCLPQAAAAAAgKANAAALAACAgB0AAAEAAICxDQAAAwAAgKxwAgCAbAIAFAAAgIENAAChoAMA7/gCAKIxAAC8hAIAkfgCAIiQAgAPAACAEgAAgBcAAIAZAACAGwAAgL3sAgC8tAIAhekAAJ9IAgCRMAIAjR0AAAkAAIBlqAMAJwAAACYAAAApAAAAjNUAAI/dAAAqAAAALQAAAIjZAAAvAAAALgAAADEAAAAwAAAAMwAAADIAAAA1AAAANAAAADcAAAA2AAAAOQAAADgAAAA7AAAAOgAAAD0AAAA8AAAAPwAAAD4AAABBAAAAQAAAAEMAAABCAAAARQAAAEQAAABHAAAARgAAAEkAAABIAAAASwAAAEoAAABNAAAATAAAAE8AAABOAAAAUQAAAFAAAABTAAAAUgAAAFUAAABUAAAAVwAAAFYAAABZAAAAWAAAAFsAAABaAAAAXQAAAFwAAABfAAAAXgAAAGEAAABgAAAAYwAAAGIAAABlAAAAZAAAAGcAAABmAAAAaQAAAGgAAABrAAAAagAAAG0AAABsAAAAbwAAAG4AAABxAAAAcAAAAHMAAAByAAAAdQAAAHQAAAB3AAAAdgAAAHkAAAB4AAAAewAAAHoAAAB9AAAAfAAAAH8AAAB+AAAAgQAAAIAAAACDAAAAggAAAIUAAACEAAAAhwAAAIYAAACJAAAAiAAAAIsAAACKAAAAjQAAAIwAAACPAAAAjgAAAJEAAACQAAAAkwAAAJIAAACVAAAAlAAAAJcAAACWAAAAmQAAAJgAAACbAAAAmgAAAJ0AAACcAAAAnwAAAJ4AAAChAAAAoAAAAOKQAADjzAAApQAAAKQAAACnAAAApgAAAKkAAACoAAAAqwAAAKoAAACtAAAArAAAAK8AAADvMAAA8DgAALAAAACzAAAAsgAAALUAAAC0AAAAtwAAALYAAAC5AAAAuAAAALsAAAC6AAAAvQAAALwAAAC/AAAAvgAAAMEAAADAAAAAwwAAAMIAAADFAAAAxAAAAMcAAADGAAAAyQAAAMgAAADLAAAAygAAAM0AAADMAAAAzwAAAM4AAADRAAAA0AAAANMAAADSAAAA1QAAANQAAADXAAAA1gAAANkAAADYAAAA2wAAANoAAADdAAAA3AAAAN8AAADeAAAA4QAAAOAAAADjAAAA4gAAAOUAAADkAAAA5wAAAOYAAADpAAAA6AAAAOsAAADqAAAA7QAAAOwAAADvAAAA7gAAAPEAAADwAAAA8wAAAPIAAAD1AAAA9AAAAPcAAAD2AAAA+QAAAPgAAAD7AAAA+gAAAP0AAAD8AAAA/wAAAP4AAAAAIAAo5qCqKQArADEAYQBhYgBlAGZpAGgAbABvAMOpAA==';
const precompiledVocab = [...unigramVocab, ['▁(株)', -3], ['a', -6], ['b', -6], ['f', -6], ['i', -6], ['n', -6], ['c', -6], ['é', -6],
  ['+', -6], ['(', -6], ['株', -6], [')', -6], ['y', -6], ['x', -6], ['z', -6], ['t', -6]];
const bytes = ['<0xF0>', '<0x9F>', '<0x99>', '<0x82>', '<0x78>', '<0x7C>'].map((b) => [b, -10]);

const cases = {
  'tiny-gpt2': { base: 'tiny-gpt2', set: {} },
  'tiny-qwen2': { base: 'tiny-qwen2', set: {} },
  'qwen2-split-nfc': { base: 'tiny-qwen2', set: qwen2Split },
  'prefix-space-trim-offsets': { base: 'tiny-gpt2', set: {
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  } },
  'roberta-processing': { base: 'tiny-gpt2', set: {
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', 0], cls: ['<|endoftext|>', 0], trim_offsets: true, add_prefix_space: false },
  } },
  'added-token-flags': { base: 'tiny-qwen2', set: {
    added_tokens: [
      token(0, '<|endoftext|>', { lstrip: true, rstrip: true }),
      token(1, '<|im_start|>'),
      token(2, '<|im_end|>', { rstrip: true }),
      token(2000, 'hello', { special: false, single_word: true, normalized: true }),
      token(2001, '订单', { special: false }),
    ],
  } },
  'unigram': { full: unigram },
  'unigram-first-scheme': { full: { ...unigram,
    added_tokens: [...unigram.added_tokens, token(3, '<|x|>', { special: false })],
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true },
    model: { ...unigram.model, vocab: [...unigramVocab, ['<|x|>', 0]] } } },
  'unigram-no-split': { full: { ...unigram,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'never', split: false } } },
  'unigram-byte-fallback': { full: { ...unigram,
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
    model: { ...unigram.model, vocab: [...unigramVocab, ...bytes], byte_fallback: true } } },
  'unigram-precompiled': { full: { ...unigram,
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: charsmap }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    model: { ...unigram.model, vocab: precompiledVocab } } },
  'unigram-whitespace-split': { full: { ...unigram,
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }] } } },
};

const out = { generator: `tokenizers ${require('tokenizers/package.json').version} (npm), node ${process.version}`, texts, cases: {} };

(async () => {
  for (const [name, c] of Object.entries(cases)) {
    const json = c.full ?? { ...(c.base === 'tiny-gpt2' ? gpt2 : qwen2), ...c.set };
    const tokenizer = Tokenizer.fromString(JSON.stringify(json));
    const truncating = Tokenizer.fromString(JSON.stringify(json));
    truncating.setTruncation(8);
    const results = [];
    for (const text of texts) {
      const plain = await tokenizer.encode(text, null, { addSpecialTokens: false });
      const special = await tokenizer.encode(text, null, { addSpecialTokens: true });
      const utf16 = [0];
      for (const ch of text) utf16.push(utf16[utf16.length - 1] + ch.length);
      results.push({
        ids: plain.getIds(),
        offsets: plain.getOffsets().map(([s, e]) => [utf16[s], utf16[e]]),
        word_ids: plain.getWordIds().map((w) => w ?? -1),
        normalized: tokenizer.getNormalizer()?.normalizeString(text) ?? text,
        special_ids: special.getIds(),
        special_word_ids: special.getWordIds().map((w) => w ?? -1),
        truncated_8_ids: (await truncating.encode(text, null, { addSpecialTokens: true })).getIds(),
        decoded: await tokenizer.decode(special.getIds(), false),
        decoded_skip: await tokenizer.decode(special.getIds(), true),
      });
    }
    out.cases[name] = c.full ? { tokenizer: c.full, results } : { base: c.base, set: c.set, results };
  }
  fs.writeFileSync(path.join(__dirname, 'subword-oracle.json'), JSON.stringify(out));
})();
