// GLUE test sets: the unlabelled test layouts the GLUE benchmark distributes (a header with an
// index column, no label; MNLI test_matched / test_mismatched, the diagnostic set AX) and the
// submission files the benchmark server expects. The labelled train/dev layouts are data/glue.h.
#pragma once
#include <string>

#include "data/glue.h"

namespace adamix {

/// True for the unlabelled GLUE test splits: test, test_matched, test_mismatched, ax.
bool isGlueTestSplit(const std::string& split);

/// File of a split relative to the task's data directory: test splits -> "test" -> test.tsv
/// (mnli: test_matched.tsv), "test_matched"/"test_mismatched" -> same-named .tsv (mnli only),
/// "ax" (mnli only: the diagnostic set, predicted with an MNLI model) ->
/// ../diagnostic/diagnostic.tsv, where the GLUE download puts it beside MNLI/; other splits as
/// glueSplitFile. Throws EngineError(Config, ..., "/task/name") for a split the task does not have.
std::string glueAnySplitFile(const TaskSpec& spec, const std::string& split);

/// The canonical name of a split: "dev" -> spec.dev_splits.front() ("dev" or "dev_matched"),
/// "test" -> "test_matched" for mnli; other names unchanged. Throws like glueAnySplitFile.
std::string canonicalSplitName(const TaskSpec& spec, const std::string& split);

/// File name the GLUE benchmark server expects for predictions of a test split: "CoLA.tsv",
/// "SST-2.tsv", "MRPC.tsv", "STS-B.tsv", "QQP.tsv", "MNLI-m.tsv" (test / test_matched),
/// "MNLI-mm.tsv" (test_mismatched), "AX.tsv" (ax), "QNLI.tsv", "RTE.tsv", "WNLI.tsv".
/// Throws EngineError(Config, ..., "/task/name") when `split` is not a test split of the task.
std::string glueSubmissionFile(const TaskSpec& spec, const std::string& split);

/// Reads a file in the GLUE test layout of `spec`'s task: header with the index column ("id" for
/// qqp) and the text columns of the labelled layout (CoLA: "sentence"), looked up by name.
/// Example::index = the index column (a non-negative integer), label -1, score 0. Malformed rows
/// (wrong column count, unparsable index, an empty sentence, a text exampleTextProblem refuses):
/// Fail -> EngineError(Data, what, "file:line"); Skip -> skipped and counted as loadGlueFile.
/// Missing file -> EngineError(Data); a header lacking a required column -> EngineError(Data, ...,
/// "file:1").
LoadedSplit loadGlueTestFile(const TaskSpec& spec, const std::string& path, BadRowsPolicy policy = BadRowsPolicy::Fail);

/// True when `path` is in the test layout: a header lacking the label column (CoLA, whose labelled
/// files have no header: a first row "index\tsentence"). Throws EngineError(Data) when the file
/// cannot be read.
bool isGlueTestLayout(const TaskSpec& spec, const std::string& path);

/// One split of a task: test splits (isGlueTestSplit) through loadGlueTestFile, others through
/// loadSplit. `labelled` is set to whether the split has labels.
LoadedSplit loadAnySplit(const TaskSpec& spec, const std::string& dataDir, const std::string& split,
                         BadRowsPolicy policy, bool& labelled);

}  // namespace adamix
