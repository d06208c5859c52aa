// Writes nmt-nfkc-oracle.json: what Hugging Face's Rust tokenizers gives for an XLM-R-shaped Unigram tokenizer.json
// whose normalizer is SentencePiece's built-in nmt_nfkc Precompiled map (as XLM-R's is) followed by XLM-R's Replace of
// runs of spaces: the normalized text, ids and UTF-16 offsets of texts that exercise the map. The vocabulary is "▁" and
// every character of the normalized texts, so each offset shows where a normalized character came from. The map itself
// is not stored (about 240 KB): the test makes it again with make_precompiled_charsmap.py and checks its sha256.
//
// Run: /usr/bin/python3 make_precompiled_charsmap.py nmt_nfkc > /tmp/nmt_nfkc.b64
//      (cd /tmp/hf && npm install tokenizers@0.23.2) && NODE_PATH=/tmp/hf/node_modules node make_nmt_nfkc_oracle.js /tmp/nmt_nfkc.b64
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { Tokenizer } = require('tokenizers');

const charsmap = fs.readFileSync(process.argv[2], 'utf8').trim();
const texts = [
  'ｈｅｌｌｏ　ｗｏｒｌｄ！　１２３', 'ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ ｱｲｳｴｵ', 'ﬁ ﬂ ﬀ ﬃ Ǆ ǆ', '① ⑩ ⑳ ㉑ ⓐ Ⓐ', 'Ⅰ Ⅷ ⅻ ½ ¼ ⅞', 'x² H₂O m³ ⁴',
  'a\u00a0b\u2002c\u2003d\u2009e\u200bf\u200cg\u200dh\ufeffi', 'tab\tnew\nline\r\nend\u0007bell\u001fus', 'é é ñ ñ Å Å ṩ ṩ',
  'e\u0301\u0301 a\u0300\u0323 ᄀ\u1161\u11a8 가 각', '한국어 텍스트', '㈱ ㍻ ㌔ ㎏ ㏄ ℡ ™ № ℃', '…‥ ‼ ⁉ ～ 〜 ‐ – —',
  '，。！？（）【】「」：；', '价格：¥1,299.00（含税）', '𝐀𝐁𝐂 𝟏𝟐𝟑 𝔸𝕓', 'ﷺ ﷻ ﻼ ﺍﻟﻌﺮﺑﻴﺔ', '👍 👍🏽 👨‍👩‍👧 🇨🇳 ❤️',
  '豈 更 車 賈 滑', 'Ａｐｐｌｅ ｉＰｈｏｎｅ １５ Ｐｒｏ', '  leading and   many   spaces  ', 'µ Ω K Å ſ', 'ｱﾟ ﾞ ﾟ',
  '我的订单123在哪里？请帮我查一下。', 'Ünïcödé naïve résumé café', '', ' ', '\u3000\u3000',
];
const base = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: '' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
  pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  post_processor: null,
  decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
  model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['▁', -2]], byte_fallback: false },
};
const withMap = (json) => ({ ...json, normalizer: { ...json.normalizer, normalizers: [{ type: 'Precompiled', precompiled_charsmap: charsmap }, json.normalizer.normalizers[1]] } });

(async () => {
  const normalizer = Tokenizer.fromString(JSON.stringify(withMap(base))).getNormalizer();
  const chars = new Set();
  for (const text of texts) for (const ch of normalizer.normalizeString(text)) if (ch !== ' ') chars.add(ch);
  const tokenizerJson = { ...base, model: { ...base.model, vocab: [...base.model.vocab, ...[...chars].sort().map((c) => [c, -5])] } };
  const tokenizer = Tokenizer.fromString(JSON.stringify(withMap(tokenizerJson)));
  const results = [];
  for (const text of texts) {
    const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
    const utf16 = [0];
    for (const ch of text) utf16.push(utf16[utf16.length - 1] + ch.length);
    results.push({
      normalized: tokenizer.getNormalizer().normalizeString(text),
      ids: encoding.getIds(),
      offsets: encoding.getOffsets().map(([s, e]) => [utf16[s], utf16[e]]),
    });
  }
  const out = {
    generator: `tokenizers ${require('tokenizers/package.json').version} (npm), node ${process.version}`,
    charsmap_sha256: crypto.createHash('sha256').update(Buffer.from(charsmap, 'base64')).digest('hex'),
    tokenizer: tokenizerJson, texts, results,
  };
  fs.writeFileSync(path.join(__dirname, 'nmt-nfkc-oracle.json'), JSON.stringify(out));
})();
