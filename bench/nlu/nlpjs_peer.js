#!/usr/bin/env node
// NLP.js peer for `kefu nlu bench`: NlpManager with its defaults (node-nlp, pinned in package.json).
// Same arguments and JSON fields as `kefu nlu bench` (docs/ARCHITECTURE.md, "Benchmark contracts").
// Below its 0.5 confidence threshold NLP.js answers the intent "None", which counts as wrong
// (or as oos when --oos-label is given). Entities are not predicted, so entity_f1 is absent.
'use strict';

const fs = require('fs');
const { NlpManager } = require('node-nlp');

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${flag} needs a value`));
    if (flag === '--train') args.train = value();
    else if (flag === '--test') args.test = value();
    else if (flag === '--oos-label') args.oosLabel = value();
    else if (flag === '--json') args.json = true;
    else fail(`unknown argument ${flag}`);
  }
  if (!args.train || !args.test) fail('usage: nlpjs_peer.js --train FILE --test FILE [--oos-label L] [--json]');
  return args;
}

// RFC 4180 rows: quoted fields may hold commas, newlines and doubled quotes.
function parseCsv(content) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (quoted) {
      if (c === '"' && content[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && content[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

// [{text, label}] from a CSV with header text,category|intent or JSON lines {"text","intent"}.
function load(path) {
  const content = fs.readFileSync(path, 'utf8');
  if (/\.jsonl?$/.test(path)) {
    return content.split('\n').flatMap((line, index) => {
      if (!line.trim()) return [];
      try {
        const row = JSON.parse(line);
        if (typeof row.text !== 'string' || typeof row.intent !== 'string') throw new Error('missing text or intent');
        return [{ text: row.text, label: row.intent }];
      } catch (e) {
        return fail(`${path}:${index + 1}: expected a JSON object with text and intent (${e.message})`);
      }
    });
  }
  const [header, ...rows] = parseCsv(content);
  const textColumn = header.indexOf('text');
  const labelColumn = header.includes('category') ? header.indexOf('category') : header.indexOf('intent');
  if (textColumn < 0 || labelColumn < 0) fail(`${path}:1: expected a header with text and category (or intent)`);
  return rows.filter((r) => r.length > 1).map((r) => ({ text: r[textColumn], label: r[labelColumn] }));
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

function macroF1(gold, guess) {
  const f1s = [...new Set(gold)].map((label) => {
    let tp = 0; let fp = 0; let fn = 0;
    gold.forEach((g, i) => {
      if (guess[i] === label && g === label) tp++;
      else if (guess[i] === label) fp++;
      else if (g === label) fn++;
    });
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return f1s.reduce((a, b) => a + b, 0) / f1s.length;
}

function mean(values) {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const train = load(args.train);
  const test = load(args.test);
  // NLP.js logs training progress to stdout; the result alone goes there.
  console.log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

  const start = process.hrtime.bigint();
  // Defaults, except that the trained model is not saved to ./model.nlp.
  const manager = new NlpManager({ languages: ['en'], autoSave: false });
  for (const { text, label } of train) manager.addDocument('en', text, label);
  await manager.train();
  const trainSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  const intentOf = async (text) => {
    const { intent } = await manager.process('en', text);
    return intent === 'None' && args.oosLabel ? args.oosLabel : intent;
  };
  // Warm-up on training texts; each test text is seen once, since NLP.js caches prepared texts.
  for (const { text } of train.slice(0, 50)) await intentOf(text);
  const guess = [];
  const latencies = [];
  for (const { text } of test) {
    const t0 = process.hrtime.bigint();
    guess.push(await intentOf(text));
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const gold = test.map((t) => t.label);

  const result = {
    accuracy: mean(gold.map((g, i) => (g === guess[i] ? 1 : 0))),
    macro_f1: macroF1(gold, guess),
  };
  if (args.oosLabel) {
    const inScope = gold.flatMap((g, i) => (g !== args.oosLabel ? [g === guess[i] ? 1 : 0] : []));
    const oos = gold.flatMap((g, i) => (g === args.oosLabel ? [guess[i] === args.oosLabel ? 1 : 0] : []));
    result.in_scope_accuracy = mean(inScope);
    result.oos_recall = mean(oos);
  }
  Object.assign(result, {
    train_seconds: trainSeconds,
    latency_p50_ms: percentile(latencies, 50),
    latency_p99_ms: percentile(latencies, 99),
    n_train: train.length,
    n_test: test.length,
  });

  if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(18)} ${value}\n`);
}

main().catch((e) => fail(e.stack || String(e)));
