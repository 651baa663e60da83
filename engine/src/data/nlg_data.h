// Data-to-text generation datasets (E2E, WebNLG 2017, DART): parsing, linearisation of the
// structured input as `subj : prop : obj | …` (docs/adamix.md § Generation tasks), references grouped by identical
// input, and a seeded train/dev split by distinct input for development runs. No LibTorch here.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace adamix {

/// One (input, reference) pair as it appears in the file.
struct NlgPair {
  std::string input;      ///< linearised input (E2E: the MR as written)
  std::string reference;  ///< one human reference text
  std::string category;   ///< WebNLG category ("Airport", ...); empty otherwise
  int line = 0;           ///< E2E: 1-based line; JSON: entry index (0-based)
};

/// One distinct input with all its references (evaluation unit).
struct NlgItem {
  std::string input;
  std::vector<std::string> references;  ///< in file order
  std::string category;
  bool seen = true;  ///< WebNLG: category among the 10 training ("seen") categories
};

/// A parsed dataset file.
struct NlgDataset {
  std::string path;
  std::string format;          ///< "e2e", "webnlg", "dart"
  std::vector<NlgPair> pairs;  ///< every (input, reference) pair in file order
  int64_t entries = 0;         ///< JSON entries / E2E non-empty lines read
  int64_t annotations = 0;     ///< references in the file, kept or not (WebNLG: every lexicalisation)
};

/// The 10 WebNLG 2017 categories present in its training data ("seen"); the 5 others of the test
/// set (Artist, Athlete, CelestialBody, MeanOfTransportation, Politician) are "unseen".
bool webnlgSeenCategory(const std::string& category);

/// E2E NLG challenge CSV-free text layout: one `MR||reference` per line (trailing spaces/CR are
/// trimmed; empty lines skipped), read with readFileBounded (io/untrusted_input.h: 8 GiB, a file or
/// a pipe). Throws EngineError(Data, what, "path:line") for a line without `||`, with an empty MR or
/// reference, or with an MR or reference that breaks exampleTextProblem (data/field_text.h: "reference
/// is 1048577 bytes, more than the limit …", "meaning representation is not valid UTF-8 …");
/// EngineError(Data, "cannot open data file: no such file", path) and readFileBounded's other errors.
NlgDataset loadE2E(const std::string& path);

/// WebNLG 2017 JSON ({"entries": [{"<id>": {category, modifiedtripleset, lexicalisations}}]}):
/// input = linearised `modifiedtripleset` (underscores -> spaces, double quotes removed),
/// references = lexicalisations whose `comment` is "good". Errors name "path:/entries/3/..."
/// (EngineError(Data)); a linearised input or kept `lex` that breaks exampleTextProblem
/// (data/field_text.h: over 1 MiB) is one naming its record ("path:/entries/3/Id4/lexicalisations/0/lex").
/// Text that is not UTF-8 fails the JSON parser first ("invalid JSON: … ill-formed UTF-8 byte", path).
NlgDataset loadWebNLG(const std::string& path);

/// DART v1.1.1 JSON ([{tripleset: [[s, p, o], …], annotations: [{text, source}]}]): input =
/// linearised tripleset, references = annotation texts. Errors name "path:/12/tripleset/0"; a
/// linearised input or annotation text that breaks exampleTextProblem (over 1 MiB) names its record
/// ("path:/12/tripleset", "path:/12/annotations/0/text"). Non-UTF-8 text fails the JSON parser first.
NlgDataset loadDart(const std::string& path);

/// Dispatches on `format` ("e2e", "webnlg", "dart"); EngineError(Config, "/task/name") otherwise.
NlgDataset loadNlgDataset(const std::string& format, const std::string& path);

/// `s : p : o | s : p : o` (docs/adamix.md linearisation); triples are {subject, property, object}.
std::string linearizeTriples(const std::vector<std::vector<std::string>>& triples);

/// Groups pairs by identical input, in order of first appearance; references keep file order.
std::vector<NlgItem> groupByInput(const std::vector<NlgPair>& pairs);

/// Split of a dev file's items for development runs (the shared mirror has dev splits only).
struct NlgSplit {
  std::vector<NlgItem> train, dev;
};

/// Seeded split by distinct input, so no input is on both sides: the items are permuted with
/// seededPermutation(n, seed) (data/glue.h); the first `dev_items` form dev, the rest train; both
/// keep the original (first-appearance) order. Throws EngineError(Config, ..., "/task/dev_items")
/// when dev_items <= 0 or >= the number of items.
NlgSplit splitByInput(const std::vector<NlgItem>& items, int64_t dev_items, uint64_t seed);

}  // namespace adamix
