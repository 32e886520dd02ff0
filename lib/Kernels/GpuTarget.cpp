//===- GpuTarget.cpp - the chips and the options of the GPU path ----------===//

#include "attn/Kernels/GpuTarget.h"

using namespace mlir;
using namespace mlir::attn;

static const GpuChip kChips[] = {
    {"sm_80", "+ptx70", 163 * 1024},
    {"sm_90", "+ptx80", 227 * 1024},
    {"sm_90a", "+ptx80", 227 * 1024},
};

ArrayRef<GpuChip> mlir::attn::gpuChips() { return kChips; }

const GpuChip *mlir::attn::lookupGpuChip(StringRef name) {
  for (const GpuChip &c : kChips)
    if (c.name == name)
      return &c;
  return nullptr;
}

std::string mlir::attn::gpuChipList() {
  std::string s;
  for (const GpuChip &c : kChips)
    s += (s.empty() ? "" : ", ") + c.name.str();
  return s;
}

std::optional<GpuCompileOptions> GpuCompileOptions::forChip(StringRef chip) {
  const GpuChip *c = lookupGpuChip(chip);
  if (!c)
    return std::nullopt;
  GpuCompileOptions o;
  o.chip = c->name.str();
  o.features = c->features.str();
  return o;
}

LogicalResult GpuCompileOptions::verify(
    function_ref<InFlightDiagnostic()> emitError) const {
  if (blockQ != 64 && blockQ != 128)
    return emitError() << "block-q must be 64 or 128, got " << blockQ;
  if (denseBlockKv != 64 && denseBlockKv != 128)
    return emitError() << "dense-block-kv must be 64 or 128, got "
                       << denseBlockKv;
  if (!target())
    return emitError() << "chip must be one of " << gpuChipList() << "; got '"
                       << chip << "'";
  return success();
}
