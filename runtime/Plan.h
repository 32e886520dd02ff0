//===- Plan.h - an artifact's launch plan, parsed and validated -*- C++ -*-===//
//
// DIR/plan.txt (format version 3, docs/ARTIFACT.md) read into a Plan with
// its kernel image and constant tables: every line parsed, every parameter
// checked against what the plan declares, check lines against the check
// kernel's contract (attnrt/abi.h). No driver, no device. Sizes may be
// expressions over names that argument shapes bind (Expr.h): such a plan is
// resolved for the arguments' shapes of each run (resolvePlan), and the
// checks that need the sizes run then.
//
//===----------------------------------------------------------------------===//

#ifndef ATTNRT_PLAN_H
#define ATTNRT_PLAN_H

#include "Expr.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnrt {

/// Bytes per element of a plan dtype; 0 for an unknown one.
uint64_t elementBytes(const std::string &dtype);

/// An argument or result: dtype and shape. `dims` as written (an argument's
/// are numbers or names, a result's expressions); `shape` their values
/// (resolved; -1 for a name in a plan's declared arguments). A size
/// argument (dtype "size", `arg N size NAME`) is a value, not a buffer: its
/// one dimension is the value and it has no bytes.
struct Tensor {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<Expr> dims;
  uint64_t bytes() const;
};

/// One launch parameter as written.
struct Param {
  enum Kind { Arg, Result, Const, Scratch, Err, Null, I32, F32 } kind = Null;
  int64_t value = 0;   // buffer index or i32 value
  Expr valueExpr;      // I32: the value as written
  uint64_t offset = 0; // byte offset added to a buffer pointer
  float f = 0;
  std::string text; // as written in the plan, for messages
  // A `tmap:` parameter: a TMA tensor map (CUtensorMap, passed by value)
  // over the buffer above, a contiguous tensor of mapRank dimensions
  // (innermost first) read in boxes of mapBox. `tmap:BUF:DTYPE:D,S,N:ROWS`
  // is rank 3 with box {64, ROWS, 1}; `tmap:BUF:DTYPE:D0,..:box=B0,..`
  // gives any rank in [1, 5] and its box.
  bool tensorMap = false;
  bool explicitBox = false; // written with `box=`
  std::string mapDtype;
  int mapRank = 0;
  int64_t mapDims[5] = {0, 0, 0, 0, 0};
  Expr mapDimExprs[5];
  int64_t mapBox[5] = {0, 0, 0, 0, 0};
  // `:slab=E` after the box: the outermost dimension's stride in elements
  // (a slab of a larger tensor, e.g. the image rows of [B*H, S_img + S_text,
  // D]); 0: contiguous.
  int64_t mapSlab = 0;
  Expr mapSlabExpr;
  bool hasSlab = false;
  bool isBuffer() const {
    return kind == Arg || kind == Result || kind == Const || kind == Scratch;
  }
};

/// A `launch` or `check` line of the plan, or a `loop N` / `end` marker:
/// the launches between a loop and its end run N times in order (loops nest).
struct Launch {
  std::string kernel;
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1}, smem = 0;
  Expr gridExprs[3];
  Expr smemExpr; // the dynamic shared bytes (resolved into smem per shapes)
  std::vector<Param> params;
  bool isCheck = false;
  int64_t dims[3] = {0, 0, 0}; // check: B, H, N of the kv_counts table
  Expr dimExprs[3];
  int line = 0;
  int64_t loopTrips = -1; // >= 0: a `loop` line
  bool loopEnd = false;   // an `end` line
  size_t match = 0;       // the matching end (for loop) / loop (for end)
  bool isMarker() const { return loopTrips >= 0 || loopEnd; }
};

/// The plan's `chip` line, sm_<X><Y> or sm_<X><Y>a: the compute capability
/// X.Y the kernels were built for ("a": that one only). `name` is empty when
/// the plan has no chip line (then no device check is made).
struct Chip {
  std::string name;
  int major = 0, minor = 0;
  bool archSpecific = false;
};

/// Why a device of compute capability major.minor cannot run kernels built
/// for `chip` in this image kind, or "" when it can.
std::string chipMismatch(const Chip &chip, bool cubin, int major, int minor);

/// An `assert LHS OP RHS TEXT...` line: a relation between sizes that a run
/// must satisfy (OP one of == != <= < >= >), TEXT saying which.
struct Assertion {
  Expr lhs, rhs;
  std::string op, text;
  int line = 0;
};

/// The sizes of a plan for one run's arguments: every expression evaluated.
struct Sized {
  std::vector<int64_t> values; // of the plan's names, in order
  std::vector<Tensor> args, results;
  std::vector<uint64_t> scratchBytes;
  std::vector<Launch> launches;
};

struct Plan {
  std::string image;     // cubin if present, else PTX (NUL-terminated)
  std::string imageFile; // its file name in the artifact, for messages
  bool imageIsCubin = false;
  Chip chip;
  std::vector<Tensor> args, results;
  std::vector<std::string> constData;
  std::vector<Expr> scratchBytes;
  std::vector<Launch> launches; // launch, check, loop and end lines, in order
  std::vector<Assertion> assertions;
  /// The names argument shapes bind, and where each is first bound
  /// (argument, dimension).
  std::vector<std::string> names;
  std::vector<std::pair<int, int>> nameAt;
  /// No names: `fixed` holds the sizes, resolved and checked at load.
  bool dynamic() const { return !names.empty(); }
  Sized fixed;
};

/// Reads DIR/plan.txt and the files it names into `out`. On failure returns
/// false with `why` saying what is wrong ("line N: ..." where a line is).
bool loadPlan(const std::string &dir, Plan &out, std::string &why);

/// The sizes of `plan` for arguments of the shapes `argDims` (every
/// argument's dims in order, concatenated): names bound, static sizes and
/// repeated names checked against them, assertions checked, every
/// expression evaluated and the launches checked as at load. false with
/// `why` naming the argument, the assertion or the line.
bool resolvePlan(const Plan &plan, const int64_t *argDims, Sized &out, std::string &why);

} // namespace attnrt

#endif // ATTNRT_PLAN_H
