#!/usr/bin/env python3
"""Seed corpora for the fuzz targets (tests/fuzz), made from the real files in ../shared.

usage: make_seeds.py OUT_DIR SHARED_DIR REPO_DIR

Writes OUT_DIR/<target>/<name> files. Large real files become small valid ones (a vocabulary
subset with consistent ids and merges, a safetensors header with its real names and dtypes but
tiny shapes, the first rows of each dataset), so the fuzzer mutates structure rather than spend its
time on megabytes. Input layouts follow the targets: FuzzedDataProvider takes selector bytes from
the END of the input; fuzz_bpe_vocab splits at a "--merges--" line. The committed seeds in
tests/fuzz/seeds/ are copied as they are.
"""
import json
import os
import shutil
import struct
import sys

GLUE_TASKS = ["cola", "sst2", "mrpc", "stsb", "qqp", "mnli", "qnli", "rte", "wnli"]  # glueTaskNames()
GLUE_DIRS = {"CoLA": "cola", "SST-2": "sst2", "MRPC": "mrpc", "STS-B": "stsb", "QQP": "qqp", "MNLI": "mnli",
             "QNLI": "qnli", "RTE": "rte", "WNLI": "wnli"}


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def head_lines(path, n):
    with open(path, "rb") as f:
        return b"".join(line for _, line in zip(range(n), f))


def safetensors_seeds(out, shared):
    found = []
    for root, _, files in os.walk(shared):
        found += [os.path.join(root, f) for f in files if f.endswith(".safetensors")]
    for i, path in enumerate(sorted(found)):
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
        small, offset = {}, 0
        sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4}
        for name, entry in list(header.items())[:12]:
            if name == "__metadata__":
                small[name] = entry
                continue
            shape = [min(d, 3) for d in entry["shape"]]
            count = 1
            for d in shape:
                count *= d
            nbytes = count * sizes.get(entry["dtype"], 4)
            small[name] = {"dtype": entry["dtype"], "shape": shape, "data_offsets": [offset, offset + nbytes]}
            offset += nbytes
        text = json.dumps(small).encode()
        write(out, "fuzz_safetensors_header", f"small-{i}", struct.pack("<Q", len(text)) + text + bytes(offset))
        with open(path, "rb") as f:  # the real prefix: header intact, data cut (error paths)
            write(out, "fuzz_safetensors_header", f"prefix-{i}", f.read(min(8 + n + 64, 4096)))


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def bpe_subset(vocab_json, merges_txt, merges_kept=300):
    with open(vocab_json, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(merges_txt, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#version")]
    merges = [l.split(" ") for l in lines[:merges_kept]]
    tokens = [t for t in ("<s>", "<pad>", "</s>", "<unk>") if t in vocab]
    tokens += bytes_to_unicode()
    for a, b in merges:
        tokens += [a, b, a + b]
    if "<|endoftext|>" in vocab:
        tokens.append("<|endoftext|>")
    if "<mask>" in vocab:
        tokens.append("<mask>")
    ids = {}
    for t in tokens:
        ids.setdefault(t, len(ids))
    return ids, merges


def tokenizer_seeds(out, shared):
    vocab_txt = os.path.join(shared, "vocab/bert-base-uncased/vocab.txt")
    if os.path.exists(vocab_txt):
        with open(vocab_txt, encoding="utf-8") as f:
            lines = f.read().split("\n")
        subset = lines[:105] + lines[1996:3000]
        write(out, "fuzz_wordpiece_vocab", "bert-subset", "\n".join(subset) + "\n")
        write(out, "fuzz_wordpiece_vocab", "bert-specials", "\n".join(lines[:110]) + "\n")
        wp = {"version": "1.0", "added_tokens": [], "normalizer": {"type": "BertNormalizer", "clean_text": True,
              "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
              "pre_tokenizer": {"type": "BertPreTokenizer"},
              "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                        "max_input_chars_per_word": 100, "vocab": {t: i for i, t in enumerate(subset[:400])}}}
        write(out, "fuzz_tokenizer_json", "wordpiece-bert", json.dumps(wp))
    for name in ("gpt2", "roberta-base"):
        d = os.path.join(shared, "vocab", name)
        if not os.path.exists(os.path.join(d, "vocab.json")):
            continue
        ids, merges = bpe_subset(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"))
        merges_text = "#version: 0.2\n" + "\n".join(a + " " + b for a, b in merges) + "\n"
        write(out, "fuzz_bpe_vocab", name, json.dumps(ids, ensure_ascii=False) + "\n--merges--\n" + merges_text)
        with open(os.path.join(d, "tokenizer.json"), encoding="utf-8") as f:
            tj = json.load(f)
        tj["model"]["vocab"] = ids
        tj["model"]["merges"] = [a + " " + b for a, b in merges]
        tj["added_tokens"] = [dict(t, id=ids[t["content"]]) for t in tj.get("added_tokens", []) if t["content"] in ids]
        tj.pop("post_processor", None) if name == "gpt2" else None
        write(out, "fuzz_tokenizer_json", name, json.dumps(tj, ensure_ascii=False))
    spm = os.path.join(shared, "models/stories260K/tokenizer.model")
    if os.path.exists(spm):
        with open(spm, "rb") as f:
            write(out, "fuzz_sentencepiece_model", "stories260K", f.read())


def config_seeds(out, shared, repo):
    for root, _, files in os.walk(shared):
        if "config.json" in files:
            with open(os.path.join(root, "config.json"), "rb") as f:
                data = f.read()
            tag = os.path.basename(root)
            write(out, "fuzz_model_config", tag, data)
            write(out, "fuzz_peft_adapter_config", "official-" + tag, data + b"\x01")
    exp = os.path.join(repo, "experiments")
    for f in sorted(os.listdir(exp)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(exp, f), "rb") as fh:
            data = fh.read()
        write(out, "fuzz_study_file", f, data)
        try:
            study = json.loads(b"\n".join(l for l in data.split(b"\n") if not l.lstrip().startswith(b"//")))
        except ValueError:
            continue
        if isinstance(study, dict) and isinstance(study.get("base"), dict):
            write(out, "fuzz_run_config", f, json.dumps(study["base"]))


def data_seeds(out, shared):
    glue = os.path.join(shared, "data/glue")
    if os.path.isdir(glue):
        for d in sorted(os.listdir(glue)):
            task = GLUE_DIRS.get(d)
            if task is None:
                continue
            k = GLUE_TASKS.index(task)
            for split in ("train", "dev", "test"):
                p = os.path.join(glue, d, split + ".tsv")
                if os.path.exists(p):
                    layout = k + (len(GLUE_TASKS) if split == "test" else 0)
                    write(out, "fuzz_glue_tsv", f"{d}-{split}", head_lines(p, 12) + bytes([layout]))
    nlg = os.path.join(shared, "data/nlg")
    e2e = os.path.join(nlg, "e2e/valid.txt")
    if os.path.exists(e2e):
        write(out, "fuzz_nlg_data", "e2e", head_lines(e2e, 12) + b"\x00")
    for fmt, byte, path in (("webnlg", 1, "webnlg_challenge_2017/dev.json"), ("dart", 2, "dart/dart-v1.1.1-full-dev.json")):
        p = os.path.join(nlg, path)
        if not os.path.exists(p):
            continue
        with open(p, encoding="utf-8") as f:
            j = json.load(f)
        if isinstance(j, dict):  # WebNLG: {"entries": [{"1": {...}}, ...]}
            j = dict(j, entries=j.get("entries", [])[:4])
        else:
            j = j[:4]
        write(out, "fuzz_nlg_data", fmt, json.dumps(j, ensure_ascii=False).encode() + bytes([byte]))


def main():
    out, shared, repo = sys.argv[1:4]
    safetensors_seeds(out, shared)
    tokenizer_seeds(out, shared)
    config_seeds(out, shared, repo)
    data_seeds(out, shared)
    committed = os.path.join(repo, "tests/fuzz/seeds")
    for target in os.listdir(committed):
        for f in os.listdir(os.path.join(committed, target)):
            os.makedirs(os.path.join(out, target), exist_ok=True)
            shutil.copy(os.path.join(committed, target, f), os.path.join(out, target, f))


if __name__ == "__main__":
    main()
