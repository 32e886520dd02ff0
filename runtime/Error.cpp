//===- Error.cpp - attnrt's per-thread last error -------------------------===//

#include "Error.h"

#include "attnrt/attnrt.h"

namespace attnrt {

std::string &lastError() {
  thread_local std::string error;
  return error;
}

int fail(const std::string &msg) {
  lastError() = msg;
  return 1;
}

std::string plural(size_t n, const char *word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

} // namespace attnrt

extern "C" const char *attnrt_last_error(void) { return attnrt::lastError().c_str(); }
