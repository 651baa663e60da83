// Produces tokenizer_expected_{bert,roberta,gpt2,qwen3,mistral_nemo,yi,yi_prepend,yi_metaspace}.json:
// token ids from the Hugging Face
// tokenizers library itself (Rust, through its official Node binding `tokenizers` on npm) for
// real GLUE sentences and hand-picked hard cases. test_hf_tokenizers compares our C++ WordPiece /
// byte-level BPE against these files; it never needs node.
//
// Run once, outside the repository (the shared vocabularies are not copied into it):
//   mkdir -p /tmp/tokref && cd /tmp/tokref && npm init -y && npm install tokenizers@0.23.2
//   mkdir -p /tmp/tokfiles && for f in tests/engine/data/tokenizers/*.tar.xz; do tar xJf $f -C /tmp/tokfiles; done
//   NODE_PATH=/tmp/tokref/node_modules node --experimental-default-type=module \
//     tests/engine/data/make_tokenizer_expected.mjs /work/shared tests/engine/data /tmp/tokfiles
// (or copy this file into /tmp/tokref and run `node make_tokenizer_expected.mjs SHARED OUTDIR TOKFILES`).
//
// TOKFILES holds the real tokenizer.json files of today's small open models that the repository
// carries (tests/engine/data/tokenizers/*.tar.xz, Apache-2.0, see README.md there): Qwen3
// (Split regex + ByteLevel, NFC, merges as pairs), Mistral NeMo (Split regex + ByteLevel,
// ignore_merges, TemplateProcessing BOS) and Yi (SentencePiece-style BPE: Replace " " -> "▁",
// byte_fallback, fuse_unk). yi_prepend and yi_metaspace are Yi's file in the two layouts Llama 2,
// Mistral 7B and TinyLlama ship (normalizer Prepend("▁") + Replace and a TemplateProcessing with
// BOS; or pre_tokenizer Metaspace, prepend_scheme "first"), built here and in test_hf_tokenizers
// by the same function (yiVariant).
//
// bert-base-uncased has only vocab.txt here, so the script builds the tokenizer.json that HF
// `BertTokenizerFast` writes for it (BertNormalizer lowercase + strip accents + clean text +
// CJK, BertPreTokenizer, WordPiece "##" with [UNK] and 100 max chars, [CLS]/[SEP] template).
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Tokenizer } = require("tokenizers");

const shared = process.argv[2] ?? "/work/shared";
const outDir = process.argv[3] ?? ".";
const tokFiles = process.argv[4] ?? "/tmp/tokfiles";

// ---- sentences: the first N rows of each GLUE file (text columns as distributed) + hard cases.
function tsvColumn(file, column, n, header = true) {
  const text = fs.readFileSync(path.join(shared, "data/glue", file), "utf8").replace(/^\uFEFF/, "");
  const rows = text.split("\n").filter((l) => l.length > 0).slice(header ? 1 : 0);
  return rows.slice(0, n).map((r) => r.split("\t")[column]).filter((s) => s !== undefined && s.length > 0);
}
const glue = [
  ...tsvColumn("RTE/train.tsv", 1, 40), ...tsvColumn("RTE/train.tsv", 2, 40),
  ...tsvColumn("SST-2/dev.tsv", 0, 50), ...tsvColumn("CoLA/dev.tsv", 3, 40, false),
  ...tsvColumn("MRPC/dev.tsv", 3, 30), ...tsvColumn("STS-B/dev.tsv", 7, 30),
  ...tsvColumn("QNLI/dev.tsv", 1, 30), ...tsvColumn("WNLI/dev.tsv", 1, 20),
];
const hand = [
  "Café naïve résumé — Zürich, São Paulo, Ångström, Ærøskøbing, Œuvre",
  "ÀÉÎÕÜ àéîõü ñÑ çÇ ß ẞ İstanbul ĞÜŞ",
  "日本語のテキストと中文文本，还有한국어 문장。",
  "Emoji: 😀👍🏽 👨‍👩‍👧 ❤️ 🇫🇷 done",
  "Visit https://example.com/path?q=1&x=%20y#frag or mail me@example.org.",
  "Supercalifragilisticexpialidociousnessforevermoreandmoreandmoreandmoreandmoreandmoreandmoreandmoreandmoreandmore",
  "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
  "multiple   spaces\tand\ttabs\n\nand newlines   ",
  "   leading and trailing spaces   ",
  "\"Double quotes\" and 'single quotes' and “curly” ‘ones’ and «guillemets»",
  "It's, don't, we've, they're, I'm, you'll, he'd, O'Neil's ''quoted''",
  "Numbers: 3.14159, 1,000,000, 42nd, ¾, ², ٣٤٥, 10^9, -7e-3",
  "Math: x² + y² = z²; ∑ ∫ √2 ≈ 1.414 ≠ π ∞ ≤ ≥",
  "Ελληνικά κείμενα και Русский текст и עברית ועברית والعربية",
  "Hindi: हिन्दी भाषा; Thai: ภาษาไทย; Tamil: தமிழ்",
  "Control\u0007chars\u0000and\u200bzero\u200dwidth\u00adsoft\ufeffbom",
  "Tabs\u3000ideographic\u00a0nbsp\u2003em-space",
  "UPPER lower MiXeD CamelCaseWords snake_case kebab-case",
  "Punctuation!!! ??? ... --- ;;; ::: (((brackets))) [[x]] {{y}} <tag> @#$%^&*",
  "A",
  "",
  " ",
  "ﬁ ﬂ ﬀ ligatures and ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
  "Combining: e\u0301 a\u0308 n\u0303 vs precomposed é ä ñ",
  "Crème brûlée at the Hôtel-Dieu costs 12€ (≈ $13) — 50% off!",
  "The quick brown fox jumps over the lazy dog. THE QUICK BROWN FOX!",
  "e-mail: first.last+tag@sub.domain.co.uk; tel: +1 (555) 123-4567",
  "C++ and C# and F# and .NET and node.js and x86_64",
  "😀😀😀😀😀😀😀😀😀😀",
  "Ǆemal ǅ ǆ Ǳ ǲ ǳ ﬆ ŉ",
];
const sentences = [...hand, ...glue];
const pairs = [];
for (let i = 0; i + 1 < 40; i += 2) pairs.push([glue[i], glue[i + 40]]);  // RTE premise/hypothesis
pairs.push([hand[0], hand[2]], [hand[3], hand[10]]);

// ---- tokenizers
function bertTokenizerJson(vocabFile) {
  const vocab = {};
  fs.readFileSync(vocabFile, "utf8").split("\n").forEach((t, i) => { if (t.length > 0 || i < 30522) vocab[t] = i; });
  delete vocab[""];
  const special = (content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return JSON.stringify({
    version: "1.0", truncation: null, padding: null,
    added_tokens: [special("[PAD]", 0), special("[UNK]", 100), special("[CLS]", 101), special("[SEP]", 102), special("[MASK]", 103)],
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } },
             { Sequence: { id: "B", type_id: 1 } }, { SpecialToken: { id: "[SEP]", type_id: 1 } }],
      special_tokens: { "[CLS]": { id: "[CLS]", ids: [101], tokens: ["[CLS]"] }, "[SEP]": { id: "[SEP]", ids: [102], tokens: ["[SEP]"] } },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  });
}

// Yi's tokenizer.json in Llama 2's layout ("prepend") or the newer Metaspace layout ("metaspace").
// test_hf_tokenizers.cpp builds the same JSON (yiVariant there).
function yiVariant(file, layout) {
  const j = JSON.parse(fs.readFileSync(file, "utf8"));
  const bos = { SpecialToken: { id: "<|startoftext|>", type_id: 0 } };
  j.post_processor = {
    type: "TemplateProcessing",
    single: [bos, { Sequence: { id: "A", type_id: 0 } }],
    pair: [bos, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "<|startoftext|>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
    special_tokens: { "<|startoftext|>": { id: "<|startoftext|>", ids: [1], tokens: ["<|startoftext|>"] } },
  };
  if (layout === "prepend") {
    j.normalizer = { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "\u2581" }, { type: "Replace", pattern: { String: " " }, content: "\u2581" }] };
    j.pre_tokenizer = null;
  } else {
    j.normalizer = null;
    j.pre_tokenizer = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "first", split: false };
  }
  return JSON.stringify(j);
}

const tokenizers = {
  bert: Tokenizer.fromString(bertTokenizerJson(path.join(shared, "vocab/bert-base-uncased/vocab.txt"))),
  roberta: Tokenizer.fromFile(path.join(shared, "vocab/roberta-base/tokenizer.json")),
  gpt2: Tokenizer.fromFile(path.join(shared, "vocab/gpt2/tokenizer.json")),
  qwen3: Tokenizer.fromFile(path.join(tokFiles, "qwen3/tokenizer.json")),
  mistral_nemo: Tokenizer.fromFile(path.join(tokFiles, "mistral_nemo/tokenizer.json")),
  yi: Tokenizer.fromFile(path.join(tokFiles, "yi/tokenizer.json")),
  yi_prepend: Tokenizer.fromString(yiVariant(path.join(tokFiles, "yi/tokenizer.json"), "prepend")),
  yi_metaspace: Tokenizer.fromString(yiVariant(path.join(tokFiles, "yi/tokenizer.json"), "metaspace")),
};
const vocabName = {
  bert: "bert-base-uncased/vocab.txt", roberta: "roberta-base/tokenizer.json", gpt2: "gpt2/tokenizer.json",
  qwen3: "tokenizers/qwen3.tar.xz", mistral_nemo: "tokenizers/mistral_nemo.tar.xz", yi: "tokenizers/yi.tar.xz",
  yi_prepend: "tokenizers/yi.tar.xz in Llama 2's layout", yi_metaspace: "tokenizers/yi.tar.xz in the Metaspace layout",
};
// For the newer families: upper-case contractions (the Split regexes' (?i:'s|'t|...)), long
// digit runs (\p{N}{1,3} vs \p{N}), CR/LF runs, and texts with their added (special) tokens,
// which are matched before pre-tokenisation.
const withSpecials = [
  "I'M SURE YOU'LL SEE; DON'T, WE'VE, THEY'RE, HE'D, IT'S, I'd, You'Re",
  "1234567 12345678901 3.14159265 007 2026-12-04 1,234,567 ٣٤٥٦٧ ¹²³",
  "Tabs\tand\r\nCRLF\r\n\r\nlines  \n  end  \n\n\n",
  "path/to/file.txt and https://x.org/a/b//c",
  "<|im_start|>user\nDon't stop<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>OK<|endoftext|>",
  "<s>[INST] Hi there [/INST] Hello!</s>[INST]again[/INST]",
  "<|startoftext|>Hi <unk> there<|endoftext|> <s> </s>",
];
const old = new Set(["bert", "roberta", "gpt2"]);

for (const [name, tok] of Object.entries(tokenizers)) {
  const single = [];
  for (const text of old.has(name) ? sentences : [...sentences, ...withSpecials]) {
    const enc = await tok.encode(text, null, { addSpecialTokens: false });
    single.push({ text, ids: enc.getIds() });
  }
  const pair = [];
  for (const [a, b] of pairs) {
    const enc = await tok.encode(a, b, { addSpecialTokens: true });
    pair.push({ a, b, ids: enc.getIds(), type_ids: enc.getTypeIds() });
  }
  const out = {
    source: "Hugging Face tokenizers (npm tokenizers@0.23.2, Rust core) via tests/engine/data/make_tokenizer_expected.mjs",
    vocab: vocabName[name],
    vocab_size: tok.getVocabSize(true),
    single, pair,
  };
  fs.writeFileSync(path.join(outDir, `tokenizer_expected_${name}.json`), JSON.stringify(out, null, 0).replace(/\},\{/g, "},\n{") + "\n");
  console.log(name, single.length, "sentences,", pair.length, "pairs, vocab", out.vocab_size);
}
