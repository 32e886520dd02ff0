//===- FuzzTarget.h - one fuzz target for the in-process driver -*- C++ -*-===//
//
// A fuzz target is one function that takes an input's bytes and feeds them to
// the code under test, which must answer every input with success or a
// diagnostic, never a crash, a sanitizer report or a hang. Each attn-fuzz-*
// tool defines `attn::fuzz::target()` and links FuzzDriver.cpp, the
// in-process mutation driver (docs/Reliability.md): it replays a seed corpus,
// then runs mutations of it, and saves any input that crashes.
//
//===----------------------------------------------------------------------===//

#ifndef ATTN_FUZZ_FUZZTARGET_H
#define ATTN_FUZZ_FUZZTARGET_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attn {
namespace fuzz {

/// What the code under test made of an input.
enum class Outcome { Accepted, Rejected };

struct Target {
  /// The tool's name, for its report line.
  const char *name;
  /// Runs one input. May keep state across calls (an MLIRContext).
  Outcome (*run)(const uint8_t *data, size_t size);
  /// Tokens the mutator splices in (keywords, op names, plan keys).
  std::vector<std::string> dictionary;
  /// Inputs are split into these files of an artifact directory ("=== NAME"
  /// lines) and the mutator keeps such lines intact more often.
  bool sectioned = false;
};

/// Defined by each attn-fuzz-* tool.
const Target &target();

/// An empty directory of this run (under $TMPDIR, else /tmp) for the files a
/// target writes; the driver removes it and its files at exit.
const std::string &workDir();

/// Removes every file of workDir() (between inputs).
void clearWorkDir();

} // namespace fuzz
} // namespace attn

#endif // ATTN_FUZZ_FUZZTARGET_H
