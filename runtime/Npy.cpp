//===- Npy.cpp - NumPy .npy files (include/attnrt/npy.h) ------------------===//

#include "attnrt/npy.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace attnrt {
namespace npy {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trim(const std::string &s) {
  size_t b = 0, e = s.size();
  while (b < e && isSpace(s[b]))
    ++b;
  while (e > b && isSpace(s[e - 1]))
    --e;
  return s.substr(b, e - b);
}

/// The raw text after `'key':` in the header dict, or false if absent.
bool dictValue(const std::string &header, const std::string &key, std::string &out) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  at += key.size() + 2;
  while (at < header.size() && isSpace(header[at]))
    ++at;
  if (at == header.size() || header[at] != ':')
    return false;
  ++at;
  while (at < header.size() && isSpace(header[at]))
    ++at;
  out = header.substr(at);
  return true;
}

/// A non-negative decimal dimension (digits only).
bool parseDim(const std::string &s, int64_t &v) {
  if (s.empty() || s.size() > 15)
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  v = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

uint32_t littleEndian(const std::vector<char> &b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i)
    v |= uint32_t(uint8_t(b[at + i])) << (8 * i);
  return v;
}

} // namespace

size_t dtypeBytes(const std::string &d) {
  if (d.size() < 3 || !std::strchr("<>|=", d[0]) ||
      !((d[1] >= 'a' && d[1] <= 'z') || (d[1] >= 'A' && d[1] <= 'Z')))
    return 0;
  int64_t n = 0;
  if (!parseDim(d.substr(2), n) || n < 1 || n > 64)
    return 0;
  return size_t(n);
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

uint64_t elementCount(const std::vector<int64_t> &shape) {
  uint64_t n = 1;
  for (int64_t d : shape)
    n *= uint64_t(d);
  return n;
}

bool parse(const std::vector<char> &buf, Array &out, std::string &why) {
  out = Array();
  if (buf.size() < 10 || std::memcmp(buf.data(), "\x93NUMPY", 6) != 0)
    return why = "not a .npy file (bad magic)", false;
  int major = uint8_t(buf[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = littleEndian(buf, 8, 2);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (buf.size() < 12)
      return why = "truncated header", false;
    headerLen = littleEndian(buf, 8, 4);
    headerStart = 12;
  } else {
    return why = "unsupported .npy version " + std::to_string(major), false;
  }
  if (headerStart + headerLen > buf.size())
    return why = "truncated header", false;
  std::string header(buf.data() + headerStart, headerLen), value;

  if (!dictValue(header, "descr", value) || value.size() < 2 || value[0] != '\'')
    return why = "header has no 'descr'", false;
  out.dtype = value.substr(1, value.find('\'', 1) - 1);
  size_t elementBytes = dtypeBytes(out.dtype);
  if (!elementBytes)
    return why = "unsupported dtype '" + out.dtype + "'", false;
  if (!dictValue(header, "fortran_order", value))
    return why = "header has no 'fortran_order'", false;
  if (value.compare(0, 4, "True") == 0)
    return why = "Fortran-order arrays are not supported", false;
  if (!dictValue(header, "shape", value) || value.empty() || value[0] != '(')
    return why = "header has no 'shape'", false;
  size_t close = value.find(')');
  if (close == std::string::npos)
    return why = "malformed 'shape'", false;
  std::string dims = value.substr(1, close - 1);
  for (size_t start = 0; !trim(dims.substr(start)).empty();) {
    size_t comma = dims.find(',', start);
    std::string dim = trim(dims.substr(start, comma == std::string::npos ? std::string::npos
                                                                         : comma - start));
    int64_t d = 0;
    if (!parseDim(dim, d) || d > (int64_t(1) << 40))
      return why = "malformed 'shape' entry '" + dim + "'", false;
    out.shape.push_back(d);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  // Guard the byte count against overflow before comparing with the file.
  uint64_t bytes = elementBytes;
  for (int64_t d : out.shape) {
    if (d && bytes > (uint64_t(1) << 44) / uint64_t(d))
      return why = "array too large", false;
    bytes *= uint64_t(d);
  }
  size_t dataStart = headerStart + headerLen;
  if (buf.size() - dataStart != bytes)
    return why = "expected " + std::to_string(bytes) + " data bytes for dtype " + out.dtype +
                 " and shape " + shapeText(out.shape) + ", found " +
                 std::to_string(buf.size() - dataStart) + " (truncated or corrupt file)",
           false;
  out.data.assign(buf.begin() + dataStart, buf.end());
  if (out.dtype == "|b1")
    for (char c : out.data)
      if (c != 0 && c != 1)
        return why = "boolean array holds a byte other than 0 or 1", false;
  return true;
}

bool read(const std::string &path, Array &out, std::string &why) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return why = std::string("cannot read file: ") + std::strerror(errno), false;
  std::vector<char> buf;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
    buf.insert(buf.end(), chunk, chunk + n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  if (!ok)
    return why = "cannot read file: read error", false;
  return parse(buf, out, why);
}

bool write(const std::string &path, const Array &a, std::string &why) {
  std::string header = "{'descr': '" + a.dtype + "', 'fortran_order': False, 'shape': " +
                       shapeText(a.shape) + ", }";
  // Format 1.0 has a 16-bit header length; a longer header (a shape of
  // thousands of dimensions) takes 2.0's 32-bit one, as NumPy does.
  const bool v2 = 10 + header.size() + 1 + 63 > 0xFFFF;
  const size_t preLen = v2 ? 12 : 10;
  size_t total = preLen + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 0xFFFFFFFFull)
    return why = "header of " + std::to_string(header.size()) +
                 " bytes does not fit .npy",
           false;
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return why = std::string("cannot write: ") + std::strerror(errno), false;
  unsigned char pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y',
                           (unsigned char)(v2 ? 2 : 1), 0};
  for (size_t i = 0; i < preLen - 8; ++i)
    pre[8 + i] = (unsigned char)((header.size() >> (8 * i)) & 0xff);
  bool ok = std::fwrite(pre, 1, preLen, f) == preLen &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            // An empty array has no data (and a null data(): fwrite's
            // buffer must not be null, found by attn-fuzz-npy under UBSan).
            (a.data.empty() || std::fwrite(a.data.data(), 1, a.data.size(), f) == a.data.size());
  errno = 0;
  if (std::fclose(f) != 0 || !ok)
    return why = std::string("write failed: ") +
                 (errno ? std::strerror(errno) : "short write"),
           false;
  return true;
}

} // namespace npy
} // namespace attnrt
