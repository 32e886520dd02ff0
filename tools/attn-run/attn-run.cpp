//===- attn-run.cpp - run a function of an attn module on .npy data -------===//
//
// attn-run FILE.mlir [--entry NAME] [--input X.npy]... [--output Y.npy]...
//                    [--device cpu|cuda] [--repeat N] [--print-timing]
//
//===----------------------------------------------------------------------===//

#include "attn/InitAttn.h"
#include "attn/Runner/CpuRunner.h"
#include "attn/Runner/Npy.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
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

static int fail(const llvm::Twine &msg) {
  llvm::errs() << "attn-run: error: " << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "run an attn function on .npy data\n");
  if (device != "cpu" && device != "cuda")
    return fail("--device must be 'cpu' or 'cuda', got '" + device + "'");
  if (device == "cuda")
    return fail("--device cuda is not available in this build: it has no GPU "
                "runtime; use --device cpu");

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

  attn::CpuRunOptions options;
  options.repeat = repeat;
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
    llvm::errs() << llvm::format("attn-run: compile %.3f s, run median %.4f s "
                                 "over %zu run(s)\n",
                                 result->compileSeconds, runs[runs.size() / 2],
                                 runs.size());
  }
  return 0;
}
