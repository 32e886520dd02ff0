//===- attn-run.cpp - run a function of an attn module on .npy data -------===//
//
// attn-run FILE.mlir [--entry NAME] [--input X.npy]... [--output Y.npy]...
//                    [--device cpu|cuda] [--repeat N] [--print-timing]
//                    [--chip sm_90a|sm_90|sm_80] [--checked]
//                    [--optimize] [--reuse-buffers=false]
//
// --device cuda compiles the function to a GPU artifact (attn-compile's
// engine) in a temporary directory and runs it with the runtime's CLI,
// attnrt-run, installed next to this tool: the same inputs are checked
// here first, the same .npy files come back.
//===----------------------------------------------------------------------===//

#include "attn/Compile/ArtifactCompiler.h"
#include "attn/InitAttn.h"
#include "attn/Runner/CpuRunner.h"
#include "attn/Runner/Npy.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                                      cl::Required);
static cl::opt<std::string> entryName("entry", cl::desc("Function to run"),
                                      cl::init("main"));
static cl::list<std::string> inputs("input",
                                    cl::desc("Argument .npy files, in order"));
static cl::list<std::string> outputs("output",
                                     cl::desc("Result .npy files, in order"));
static cl::opt<std::string> device("device", cl::desc("cpu or cuda"),
                                   cl::init("cpu"));
static cl::opt<unsigned> repeat("repeat",
                                cl::desc("Run the compiled function N times"),
                                cl::init(1));
static cl::opt<bool> printTiming("print-timing",
                                 cl::desc("Print compile and run times"));
static cl::opt<std::string> chip("chip",
                                 cl::desc("GPU target for --device cuda: "
                                          "sm_80, sm_90 or sm_90a"),
                                 cl::init(attn::GpuCompileOptions().chip));
static cl::opt<std::string>
    ptxas("ptxas",
          cl::desc("--device cuda: ptxas for the cubin (empty: PTX only, "
                   "JIT-compiled by the driver)"),
          cl::init("/usr/local/cuda/bin/ptxas"));
static cl::opt<bool>
    optimize("optimize",
             cl::desc("--device cpu: run attn-optimize before attn-to-cpu "
                      "(--device cuda always does)"));
static cl::opt<bool> reuseBuffers(
    "reuse-buffers",
    cl::desc("--device cpu: run attn-reuse-buffers inside attn-to-cpu "
             "(default true; --reuse-buffers=false to compare without it)"),
    cl::init(true));
static cl::opt<bool> checked("checked",
                             cl::desc("--device cuda: validate dynamic kv "
                                      "tables on the device before use"));

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "attn-run: error: " << msg << "\n";
  return 1;
}

/// --device cuda: compile to a temporary artifact, run it with attnrt-run.
static int runOnCuda(ModuleOp module, const char *argv0) {
  std::string self = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&runOnCuda));
  llvm::SmallString<256> runner(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(runner, "attnrt-run");
  if (!llvm::sys::fs::can_execute(runner))
    return fail("--device cuda needs the runtime CLI '" + runner +
                "' (built with the runtime)");
  llvm::SmallString<256> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("attn-run-artifact", dir))
    return fail("cannot create a temporary directory: " + ec.message());
  attn::ArtifactOptions options = *attn::ArtifactOptions::forChip(chip);
  options.ptxas = ptxas;
  int rc = 0;
  if (llvm::Error e = attn::compileArtifact(module, entryName, dir, options)) {
    rc = fail(llvm::toString(std::move(e)));
  } else {
    std::vector<std::string> words = {std::string(runner), std::string(dir)};
    for (const std::string &in : inputs)
      words.insert(words.end(), {"--input", in});
    for (const std::string &out : outputs)
      words.insert(words.end(), {"--output", out});
    words.insert(words.end(), {"--repeat", std::to_string(repeat)});
    if (checked)
      words.push_back("--checked");
    SmallVector<StringRef> argvRef(words.begin(), words.end());
    std::string err;
    rc = llvm::sys::ExecuteAndWait(runner, argvRef, std::nullopt, {}, 0, 0,
                                   &err);
    if (rc < 0)
      rc = fail("cannot run '" + runner + "': " + err);
    else if (rc != 0)
      rc = 1; // attnrt-run has reported the problem
  }
  llvm::sys::fs::remove_directories(dir);
  return rc;
}


int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "run an attn function on .npy data\n");
  if (device != "cpu" && device != "cuda")
    return fail("--device must be 'cpu' or 'cuda', got '" + device + "'");
  if (!attn::ArtifactOptions::forChip(chip))
    return fail("--chip must be one of " + attn::gpuChipList() + "; got '" +
                chip + "'");

  DialectRegistry registry;
  attn::registerAttnDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string err;
  OwningOpRef<ModuleOp> module =
      attn::parseModuleFile(inputFile, context, sourceMgr, err);
  if (!module)
    return fail(err);

  std::vector<attn::NpyArray> args;
  for (const std::string &path : inputs) {
    auto a = attn::readNpy(path);
    if (!a)
      return fail("input " + llvm::toString(a.takeError()));
    args.push_back(std::move(*a));
  }
  auto entry = attn::findEntry(*module, entryName);
  if (!entry)
    return fail(llvm::toString(entry.takeError()));
  unsigned nResults = entry->getNumResults();
  if (!outputs.empty() && outputs.size() != nResults)
    return fail("'" + entryName + "' returns " + llvm::Twine(nResults) +
                " result(s) but " + llvm::Twine(outputs.size()) +
                " --output file(s) were given");

  if (llvm::Error e = attn::checkOutputPaths(
          std::vector<std::string>(outputs.begin(), outputs.end())))
    return fail("output " + llvm::toString(std::move(e)));

  if (device == "cuda") {
    if (optimize.getNumOccurrences() || reuseBuffers.getNumOccurrences())
      return fail("--optimize and --reuse-buffers choose the --device cpu "
                  "pipeline; --device cuda always runs attn-to-nvvm");
    if (llvm::Error e = attn::checkInputs(*entry, args))
      return fail(llvm::toString(std::move(e)));
    if (llvm::Error e = attn::checkIndexInputs(*entry, args))
      return fail(llvm::toString(std::move(e)));
    return runOnCuda(*module, argv[0]);
  }

  attn::CpuRunOptions options;
  options.repeat = repeat;
  options.pipeline.optimize = optimize;
  options.pipeline.reuseBuffers = reuseBuffers;
  auto result = attn::runOnCpu(*module, entryName, args, options);
  if (!result)
    return fail(llvm::toString(result.takeError()));

  if (!outputs.empty()) {
    std::vector<std::string> paths(outputs.begin(), outputs.end());
    if (llvm::Error e = attn::writeNpyFiles(paths, result->outputs))
      return fail("output " + llvm::toString(std::move(e)));
  }
  if (printTiming) {
    std::vector<double> runs = result->runSeconds;
    std::sort(runs.begin(), runs.end());
    llvm::errs() << "attn-run: pipeline " << (optimize ? "attn-optimize, " : "")
                 << "attn-to-cpu"
                 << (reuseBuffers ? "" : " (reuse-buffers=false)") << "\n";
    llvm::errs() << llvm::format("attn-run: compile %.3f s, run median %.4f s "
                                 "over %zu run(s)\n",
                                 result->compileSeconds, runs[runs.size() / 2],
                                 runs.size());
  }
  return 0;
}
