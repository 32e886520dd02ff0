//===- FuzzMLIR.h - what the two IR fuzz targets share -----------*- C++ -*-===//
//
// One MLIRContext for the whole run (every dialect the pipelines use,
// single-threaded, diagnostics swallowed: a rejected input is expected), the
// "// -----" chunks of a test file (as attn-opt -split-input-file cuts
// them), and the parse-print-parse round trip that every accepted module
// must survive.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_FUZZ_FUZZMLIR_H
#define ATTN_FUZZ_FUZZMLIR_H

#include "attn/InitAttn.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace attn {
namespace fuzz {

inline mlir::MLIRContext &context() {
  static mlir::MLIRContext *ctx = [] {
    mlir::DialectRegistry registry;
    mlir::attn::registerAttnDialects(registry);
    mlir::attn::registerAttnPasses();
    auto *c = new mlir::MLIRContext(registry, mlir::MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    c->printOpOnDiagnostic(false);
    c->printStackTraceOnDiagnostic(false);
    return c;
  }();
  return *ctx;
}

/// The chunks of a file split at lines "// -----".
inline std::vector<std::string> chunks(const std::string &text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find("// -----", start);
    if (at == std::string::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, at - start));
    size_t nl = text.find('\n', at);
    start = nl == std::string::npos ? text.size() : nl + 1;
  }
}

inline std::string print(mlir::Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  op->print(os);
  return s;
}

/// Parses `text` (a module), null when it is rejected.
inline mlir::OwningOpRef<mlir::ModuleOp> parse(const std::string &text) {
  return mlir::parseSourceString<mlir::ModuleOp>(text, &context());
}

/// A verified module printed and parsed again must parse and print the same
/// text; anything else is a printer/parser bug, reported as a crash.
inline void roundTrip(mlir::ModuleOp module, const char *stage) {
  std::string first = print(module);
  std::string diag;
  mlir::ScopedDiagnosticHandler keep(&context(), [&](mlir::Diagnostic &d) {
    diag += d.str() + "\n";
    return mlir::success();
  });
  mlir::OwningOpRef<mlir::ModuleOp> again = parse(first);
  if (!again || print(*again) != first) {
    std::fprintf(stderr, "attn-fuzz: the module %s does not round-trip: %s\n--- printed:\n%s\n",
                 stage, again ? "it prints differently" : diag.c_str(), first.c_str());
    std::abort();
  }
}

} // namespace fuzz
} // namespace attn

#endif // ATTN_FUZZ_FUZZMLIR_H
