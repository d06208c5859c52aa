// Writes tokenizer-oracle.json: what Hugging Face's Rust tokenizers gives (ids and offsets) for all-MiniLM-L6-v2's
// tokenizer.json and for variants of it with other normalizers, pre-tokenizers and added tokens, over tricky texts.
// Offsets are converted from tokenizers' code points to UTF-16 units, which is what .NET strings index.
//
// Run: (cd /tmp/hf && npm install tokenizers@0.23.2) && NODE_PATH=/tmp/hf/node_modules node make_tokenizer_oracle.js
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const shared = path.join(__dirname, '..', '..', '..', '..', 'shared');
const base = JSON.parse(fs.readFileSync(path.join(shared, 'models', 'all-MiniLM-L6-v2', 'tokenizer.json'), 'utf8'));
const fixture = JSON.parse(fs.readFileSync(path.join(shared, 'fixtures', 'all-MiniLM-L6-v2.expected.json'), 'utf8'));

const texts = [
  ...fixture.tokenizer.texts,
  'Café refunds',
  '我想退货，订单号是12345',
  'Mixed 中文 and English: 退款refund! 订单#A-1024 (急)',
  'tab\there\nnew\u00a0line\u3000全角\r\nend\u2028sep\u0085nel',
  'zero\u200bwidth soft\u00adhyphen bom\ufeffhere',
  'İstanbul ΟΔΟΣ straße ǅemal',
  'e\u0301cole cafe\u0301s a\u0301\u0328 \u00e1\u0328 Ḉa',
  '[MASK] x[CLS]y [SEP]z [UNK]',
  'naïve😊café 👍🏽 done',
  'ﬁne ＡＢＣ ㎏ ½ ①',
  '한국어 텍스트 ㄱㄴ',
  '   ',
  'x',
  '$12.50 vs. ¥88,000.00 -- 3–5 days… «quoted» “smart”',
  'supercalifragilisticexpialidocious-and-then-some_more_words',
  'a'.repeat(101) + ' ok',
  'ab--cd-ef  gh\u00a0\u00a0ij',
  '12 345 ６７ 𝟖𝟗 Ⅻ',
];

function sections(overrides) {
  return { ...base, ...overrides };
}

const bertNormalizer = (o) => ({ type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true, ...o });
const special = (content, id, o = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true, ...o });

const cases = {
  'minilm': {},
  'bert-keep-accents': { normalizer: bertNormalizer({ strip_accents: false }) },
  'bert-cased': { normalizer: bertNormalizer({ lowercase: false }) },
  'bert-raw': { normalizer: bertNormalizer({ clean_text: false, handle_chinese_chars: false, lowercase: false }) },
  'nfd-lower-strip': { normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] } },
  'nfkc-lower': { normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] } },
  'nfc': { normalizer: { type: 'NFC' } },
  'nfkd': { normalizer: { type: 'NFKD' } },
  'strip-replace-prepend': {
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Strip', strip_left: true, strip_right: true },
      { type: 'Replace', pattern: { String: '--' }, content: ' dash ' },
      { type: 'Replace', pattern: { String: 'a' }, content: '' },
      { type: 'Prepend', prepend: '##' },
      { type: 'Lowercase' },
    ] },
  },
  'whitespace': { pre_tokenizer: { type: 'Whitespace' } },
  'whitespace-split': { pre_tokenizer: { type: 'WhitespaceSplit' } },
  'punctuation-behaviours': {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'MergedWithPrevious' },
    ] },
  },
  'punctuation-next': {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'MergedWithNext' },
    ] },
  },
  'punctuation-contiguous': {
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Punctuation', behavior: 'Contiguous' },
    ] },
  },
  'digits': { pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'BertPreTokenizer' }, { type: 'Digits', individual_digits: true }] } },
  'digits-contiguous': { pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: false }] } },
  'split-literal': { pre_tokenizer: { type: 'Split', pattern: { String: '-' }, behavior: 'Removed', invert: false } },
  'split-isolated-inverted': { pre_tokenizer: { type: 'Split', pattern: { String: 'e' }, behavior: 'Isolated', invert: true } },
  'char-delimiter': { pre_tokenizer: { type: 'CharDelimiterSplit', delimiter: ' ' } },
  'no-pre-tokenizer': { pre_tokenizer: null },
  'added-token-flags': {
    added_tokens: [
      ...base.added_tokens.filter((t) => t.content !== '[MASK]'),
      special('[MASK]', 103, { lstrip: true, rstrip: true }),
      special('refund', 25416, { special: false, single_word: true, normalized: true }),
      special('café', 30522, { special: false, normalized: true }),
      special('订单', 30523, { special: false, normalized: false }),
      special('##', 30524, { special: false, normalized: false }),
    ],
  },
};

const out = { generator: `tokenizers ${require('tokenizers/package.json').version} (npm), node ${process.version}`, texts, cases: {} };

(async () => {
  for (const [name, overrides] of Object.entries(cases)) {
    const json = sections(overrides);
    const tokenizer = Tokenizer.fromString(JSON.stringify(json));
    const results = [];
    for (const text of texts) {
      const encoding = await tokenizer.encode(text);
      const utf16 = [0];
      for (const c of text) utf16.push(utf16[utf16.length - 1] + c.length);
      results.push({ ids: encoding.getIds(), offsets: encoding.getOffsets().map(([s, e]) => [utf16[s], utf16[e]]) });
    }
    const { model, ...rest } = json;
    out.cases[name] = { tokenizer: rest, results };
  }
  fs.writeFileSync(path.join(__dirname, 'tokenizer-oracle.json'), JSON.stringify(out));
})();
