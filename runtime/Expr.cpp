//===- Expr.cpp - a plan's size expressions -------------------------------===//

#include "Expr.h"

#include <cctype>

using namespace attnrt;

Expr::Expr(int64_t v) : text(std::to_string(v)) { ops.push_back({Op::Num, v}); }

bool attnrt::isSizeName(const std::string &s) {
  if (s.empty() || !(std::isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  for (char c : s)
    if (!(std::isalnum((unsigned char)c) || c == '_'))
      return false;
  return true;
}

namespace {

bool apply(int kind, int64_t a, int64_t b, int64_t &out, std::string &why) {
  bool overflow = false;
  switch (kind) {
  case 2: overflow = __builtin_add_overflow(a, b, &out); break;
  case 3: overflow = __builtin_sub_overflow(a, b, &out); break;
  case 4: overflow = __builtin_mul_overflow(a, b, &out); break;
  case 7: out = a < b ? a : b; return true;
  case 8: out = a > b ? a : b; return true;
  default:
    if (b <= 0)
      return why = "division by " + std::to_string(b) + " (a divisor must be positive)", false;
    out = kind == 5 ? a / b : a % b;
    return true;
  }
  if (overflow)
    return why = "the value overflows 64 bits", false;
  return true;
}

} // namespace

namespace attnrt {

/// Recursive descent over one expression, emitting postfix ops.
class ExprParser {
public:
  ExprParser(const std::string &s, const std::vector<std::string> &names, Expr &out)
      : s(s), names(names), out(out) {}

  bool run(std::string &why) {
    if (!expr(why))
      return false;
    if (at != s.size())
      return why = "unexpected '" + std::string(1, s[at]) + "' at position " +
                   std::to_string(at + 1),
             false;
    return true;
  }

private:
  using Op = Expr::Op;
  bool expr(std::string &why) {
    if (!term(why))
      return false;
    while (at < s.size() && (s[at] == '+' || s[at] == '-')) {
      Op::Kind k = s[at++] == '+' ? Op::Add : Op::Sub;
      if (!term(why) || !emit(k, &why))
        return false;
    }
    return true;
  }
  bool term(std::string &why) {
    if (!factor(why))
      return false;
    while (at < s.size() && (s[at] == '*' || s[at] == '/' || s[at] == '%')) {
      char c = s[at++];
      Op::Kind k = c == '*' ? Op::Mul : c == '/' ? Op::Div : Op::Mod;
      if (!factor(why))
        return false;
      if (!emit(k, &why))
        return false;
    }
    return true;
  }
  bool factor(std::string &why) {
    if (at >= s.size())
      return why = "the expression ends where a number, name or '(' is expected", false;
    if (s[at] == '(') {
      // Bounded nesting: a hostile plan must not exhaust the stack.
      if (++depth > 32)
        return why = "parentheses nest deeper than 32", false;
      ++at;
      if (!expr(why))
        return false;
      --depth;
      if (at >= s.size() || s[at] != ')')
        return why = "a '(' is never closed", false;
      ++at;
      return true;
    }
    size_t start = at;
    if (std::isdigit((unsigned char)s[at])) {
      while (at < s.size() && std::isdigit((unsigned char)s[at]))
        ++at;
      if (at - start > 18)
        return why = "the number '" + s.substr(start, at - start) + "' is too large", false;
      out.ops.push_back({Op::Num, std::stoll(s.substr(start, at - start))});
      return true;
    }
    while (at < s.size() && (std::isalnum((unsigned char)s[at]) || s[at] == '_'))
      ++at;
    std::string name = s.substr(start, at - start);
    if ((name == "min" || name == "max") && at < s.size() && s[at] == '(') {
      // min(a, b) / max(a, b): e.g. a run-time top-k clamped to the blocks.
      if (++depth > 32)
        return why = "parentheses nest deeper than 32", false;
      ++at;
      if (!expr(why))
        return false;
      if (at >= s.size() || s[at] != ',')
        return why = "'" + name + "(' takes two sizes separated by ','", false;
      ++at;
      if (!expr(why))
        return false;
      if (at >= s.size() || s[at] != ')')
        return why = "a '" + name + "(' is never closed", false;
      ++at;
      --depth;
      return emit(name == "min" ? Op::Min : Op::Max, &why);
    }
    if (!isSizeName(name))
      return why = "unexpected '" + std::string(1, s[start]) + "' at position " +
                   std::to_string(start + 1),
             false;
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) {
        out.ops.push_back({Op::Name, int64_t(i)});
        return true;
      }
    return why = "'" + name + "' is not a size any argument's shape names", false;
  }
  /// Appends `k`, folding it when both operands are numbers.
  bool emit(Op::Kind k, std::string *why = nullptr) {
    std::vector<Op> &ops = out.ops;
    size_t n = ops.size();
    if ((k == Op::Div || k == Op::Mod) && ops[n - 1].kind == Op::Num && ops[n - 1].v <= 0) {
      if (why)
        *why = "division by " + std::to_string(ops[n - 1].v) + " (a divisor must be positive)";
      return false;
    }
    if (n >= 2 && ops[n - 1].kind == Op::Num && ops[n - 2].kind == Op::Num) {
      int64_t v = 0;
      std::string problem;
      if (!apply(k, ops[n - 2].v, ops[n - 1].v, v, problem)) {
        if (why)
          *why = problem;
        return false;
      }
      ops.pop_back();
      ops.back().v = v;
      return true;
    }
    ops.push_back({k, 0});
    return true;
  }

  const std::string &s;
  const std::vector<std::string> &names;
  Expr &out;
  size_t at = 0;
  int depth = 0;
};

} // namespace attnrt

bool Expr::parse(const std::string &text, const std::vector<std::string> &names, Expr &out,
                 std::string &why) {
  out = Expr();
  out.text = text;
  ExprParser p(text, names, out);
  if (!p.run(why))
    return why = "size '" + text + "': " + why, false;
  return true;
}

bool Expr::eval(const std::vector<int64_t> &values, int64_t &out, std::string &why) const {
  if (isConstant()) {
    out = ops[0].v;
    return true;
  }
  std::vector<int64_t> stack;
  for (const Op &op : ops) {
    if (op.kind == Op::Num) {
      stack.push_back(op.v);
    } else if (op.kind == Op::Name) {
      stack.push_back(values.at(size_t(op.v)));
    } else {
      int64_t b = stack.back();
      stack.pop_back();
      if (!apply(op.kind, stack.back(), b, stack.back(), why))
        return why = "size '" + text + "': " + why, false;
    }
  }
  out = stack.back();
  return true;
}
