//===- FuzzNpy.cpp - attn-fuzz-npy: the .npy reader ------------------------===//
//
// The input is a .npy file's bytes, given to attnrt::npy::parse
// (include/attnrt/npy.h, runtime/Npy.cpp), which attnrt-run and attn-run use
// for every input array. An accepted array must be consistent (its data is
// element count x dtype bytes) and survive a write and a read back
// unchanged; a rejected one must say why.
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include "attnrt/npy.h"

#include <cstdio>
#include <cstdlib>

using namespace attn::fuzz;
namespace npy = attnrt::npy;

namespace {

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "attn-fuzz: npy: %s\n", what.c_str());
  std::abort();
}

Outcome runNpy(const uint8_t *data, size_t size) {
  std::vector<char> bytes(reinterpret_cast<const char *>(data),
                          reinterpret_cast<const char *>(data) + size);
  npy::Array a;
  std::string why;
  if (!npy::parse(bytes, a, why)) {
    if (why.empty())
      bug("parse rejected an input without saying why");
    return Outcome::Rejected;
  }
  if (a.data.size() != npy::elementCount(a.shape) * npy::dtypeBytes(a.dtype))
    bug("parse accepted " + std::to_string(a.data.size()) + " data bytes for dtype " + a.dtype +
        " and shape " + npy::shapeText(a.shape));
  static const std::string path = workDir() + "/a.npy";
  npy::Array back;
  if (!npy::write(path, a, why))
    bug("cannot write an accepted array back: " + why);
  if (!npy::read(path, back, why))
    bug("an accepted array, written back, does not read: " + why);
  if (back.dtype != a.dtype || back.shape != a.shape || back.data != a.data)
    bug("an accepted array, written back, reads differently (dtype " + back.dtype + ", shape " +
        npy::shapeText(back.shape) + ")");
  return Outcome::Accepted;
}

} // namespace

const Target &attn::fuzz::target() {
  static const Target t{
      "attn-fuzz-npy",
      runNpy,
      {"\x93NUMPY", "'descr'", "'fortran_order'", "'shape'", ": ", "'<f4'", "'<f2'", "'|b1'",
       "'<i4'", "'>f8'", "'<V2'", "True", "False", "(", ")", ",", "{", "}", "\n", " ", "0",
       "1", "65536", "\x01\x00", "\x02\x00", "\x03\x00", "\xff\xff"},
      false};
  return t;
}
