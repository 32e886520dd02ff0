//===- Expr.h - a plan's size expressions ------------------------*- C++ -*-===//
//
// Sizes in a plan (docs/ARTIFACT.md, "Run-time sizes") are integers or
// expressions over the names that argument shapes bind: decimal integers,
// names ([A-Za-z_][A-Za-z0-9_]*), + - * / % with the usual precedence (left
// to right), parentheses, and min(a, b) / max(a, b); / and % are integer
// division and remainder and need a positive divisor. An expression without names is folded to its
// value when it is parsed.
//
//===----------------------------------------------------------------------===//

#ifndef ATTNRT_EXPR_H
#define ATTNRT_EXPR_H

#include <cstdint>
#include <string>
#include <vector>

namespace attnrt {

class Expr {
public:
  Expr() = default;
  /// The constant `v`.
  explicit Expr(int64_t v);

  /// Parses `text` over the names in `names` (an index into that list at
  /// run time); false with `why` for a malformed expression or an unknown
  /// name.
  static bool parse(const std::string &text, const std::vector<std::string> &names, Expr &out,
                    std::string &why);

  bool isConstant() const { return ops.size() == 1 && ops[0].kind == Op::Num; }
  /// The name's index when the expression is one name alone, else -1.
  int nameIndex() const {
    return ops.size() == 1 && ops[0].kind == Op::Name ? int(ops[0].v) : -1;
  }
  /// The value of a constant expression.
  int64_t constant() const { return ops.empty() ? 0 : ops[0].v; }
  /// The value for the names' `values`; false with `why` on overflow or a
  /// division by zero.
  bool eval(const std::vector<int64_t> &values, int64_t &out, std::string &why) const;

  /// As written in the plan.
  std::string text;

private:
  struct Op {
    enum Kind { Num, Name, Add, Sub, Mul, Div, Mod, Min, Max } kind;
    int64_t v = 0; // Num: the value; Name: the index
  };
  std::vector<Op> ops; // postfix
  friend class ExprParser;
};

/// Whether `s` is a name (then it binds a size where an argument's shape has
/// it).
bool isSizeName(const std::string &s);

} // namespace attnrt

#endif // ATTNRT_EXPR_H
