#include "model/task_model.h"

#include "io/errors.h"

namespace adamix {

torch::Tensor TaskModelImpl::forwardDecode(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                           DecodeState*) {
  throw EngineError(ErrorKind::Usage, "this architecture does not implement decoding (forwardDecode)");
}

}  // namespace adamix
