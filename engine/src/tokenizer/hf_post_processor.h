// The post-processors of a tokenizer.json as the engine's PairTemplate
// (tokenizers/src/processors/): TemplateProcessing (template.rs), RobertaProcessing,
// BertProcessing, ByteLevel (no effect on ids) and Sequence (sequence.rs) of these.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "data/encoding.h"

namespace adamix {

/// The special tokens the "post_processor" `j` (at `field` of `file`) puts around one or two
/// sequences; null or ByteLevel alone give an empty template (Qwen: "a b").
/// Throws EngineError(Model, msg, "file:field...") for an unknown type, a template item that is
/// neither SpecialToken nor Sequence, a special token missing from special_tokens, or a single
/// template that is not the pair template without its B part (not representable as prefix /
/// middle / suffix).
PairTemplate makeHfPairTemplate(const nlohmann::json& j, const std::string& file, const std::string& field);

}  // namespace adamix
