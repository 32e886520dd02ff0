//===- Compiler.cpp - the C compile API (attn-c/Compiler.h) ---------------===//

#include "attn-c/Compiler.h"
#include "attn/Compile/ArtifactCompiler.h"
#include "attn/InitAttn.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>

using namespace mlir;

struct attnCompilerSession {
  std::string chip = attn::GpuCompileOptions().chip;
  std::string entry = "main";
  std::string ptxas = attn::ArtifactOptions().ptxas;
  int64_t blockQ = attn::GpuCompileOptions().blockQ;
  attnDiagnosticCallback callback = nullptr;
  void *userData = nullptr;
  std::unique_ptr<MLIRContext> context;

  void report(attnDiagnosticSeverity severity, const std::string &location,
              const std::string &message) const {
    if (callback) {
      callback(severity, location.c_str(), message.c_str(), userData);
      return;
    }
    static const char *names[] = {"error", "warning", "note", "remark"};
    llvm::errs() << (location.empty() ? "" : location + ": ") << names[severity]
                 << ": " << message << "\n";
  }

  MLIRContext &getContext() {
    if (!context) {
      DialectRegistry registry;
      attn::registerAttnDialects(registry);
      context = std::make_unique<MLIRContext>(registry);
    }
    return *context;
  }
};

namespace {

attnDiagnosticSeverity severityOf(DiagnosticSeverity s) {
  switch (s) {
  case DiagnosticSeverity::Error:
    return ATTN_DIAGNOSTIC_ERROR;
  case DiagnosticSeverity::Warning:
    return ATTN_DIAGNOSTIC_WARNING;
  case DiagnosticSeverity::Note:
    return ATTN_DIAGNOSTIC_NOTE;
  case DiagnosticSeverity::Remark:
    return ATTN_DIAGNOSTIC_REMARK;
  }
  return ATTN_DIAGNOSTIC_ERROR;
}

std::string locationOf(Location loc) {
  if (auto flc = loc->findInstanceOf<FileLineColLoc>())
    return (flc.getFilename().getValue() + ":" + llvm::Twine(flc.getLine()) +
            ":" + llvm::Twine(flc.getColumn()))
        .str();
  return "";
}

} // namespace

const char *attnCompilerGetVersion(void) {
  return "attn-mlir 0.1.0 (LLVM/MLIR " LLVM_VERSION_STRING ")";
}

attnCompilerSession *attnCompilerSessionCreate(void) {
  return new attnCompilerSession();
}

void attnCompilerSessionDestroy(attnCompilerSession *session) { delete session; }

void attnCompilerSessionSetDiagnosticCallback(attnCompilerSession *session,
                                              attnDiagnosticCallback callback,
                                              void *userData) {
  session->callback = callback;
  session->userData = userData;
}

int attnCompilerSessionSetFlags(attnCompilerSession *session, int argc,
                                const char *const *argv) {
  attnCompilerSession next = {};
  next.chip = session->chip;
  next.entry = session->entry;
  next.ptxas = session->ptxas;
  next.blockQ = session->blockQ;
  for (int i = 0; i < argc; ++i) {
    llvm::StringRef flag = argv[i] ? argv[i] : "";
    auto [name, value] = flag.split('=');
    if (name == "--chip") {
      if (!attn::ArtifactOptions::forChip(value)) {
        session->report(ATTN_DIAGNOSTIC_ERROR, "",
                        "--chip must be one of " + attn::gpuChipList() +
                            "; got '" + value.str() + "'");
        return 1;
      }
      next.chip = value.str();
    } else if (name == "--entry" && !value.empty()) {
      next.entry = value.str();
    } else if (name == "--ptxas" && flag.contains('=')) {
      next.ptxas = value.str();
    } else if (name == "--block-q") {
      int64_t q = 0;
      if (value.getAsInteger(10, q) || (q != 64 && q != 128)) {
        session->report(ATTN_DIAGNOSTIC_ERROR, "",
                        "--block-q must be 64 or 128; got '" + value.str() + "'");
        return 1;
      }
      next.blockQ = q;
    } else {
      session->report(ATTN_DIAGNOSTIC_ERROR, "",
                      "unknown flag '" + flag.str() +
                          "' (known: --chip=, --entry=, --ptxas=, --block-q=)");
      return 1;
    }
  }
  session->chip = next.chip;
  session->entry = next.entry;
  session->ptxas = next.ptxas;
  session->blockQ = next.blockQ;
  return 0;
}

int attnCompilerCompileArtifact(attnCompilerSession *session, const char *source,
                                size_t length, const char *bufferName,
                                const char *outDir) {
  if (!source || !outDir) {
    session->report(ATTN_DIAGNOSTIC_ERROR, "",
                    "attnCompilerCompileArtifact: source and outDir must not be NULL");
    return 1;
  }
  MLIRContext &context = session->getContext();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    session->report(severityOf(diag.getSeverity()), locationOf(diag.getLocation()),
                    diag.str());
    for (Diagnostic &note : diag.getNotes())
      session->report(ATTN_DIAGNOSTIC_NOTE, locationOf(note.getLocation()),
                      note.str());
    return success();
  });
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(source, length),
                                           bufferName ? bufferName : "<source>"),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;
  std::optional<attn::ArtifactOptions> options =
      attn::ArtifactOptions::forChip(session->chip);
  options->ptxas = session->ptxas;
  options->blockQ = session->blockQ;
  if (llvm::Error e = attn::compileArtifact(*module, session->entry, outDir, *options)) {
    session->report(ATTN_DIAGNOSTIC_ERROR, "", llvm::toString(std::move(e)));
    return 1;
  }
  return 0;
}
