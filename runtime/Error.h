//===- Error.h - attnrt's per-thread last error -----------------*- C++ -*-===//

#ifndef ATTNRT_ERROR_H
#define ATTNRT_ERROR_H

#include <string>

namespace attnrt {

/// The last error of this thread (attnrt_last_error).
std::string &lastError();

/// Clears this thread's error: every C API call that can fail does this
/// first, so the error read after a call is that call's ("" on success).
inline void clearError() { lastError().clear(); }

/// Records `msg` as this thread's error and returns 1 (the C API's failure).
int fail(const std::string &msg);

/// "1 thing", "2 things".
std::string plural(size_t n, const char *word);

} // namespace attnrt

#endif // ATTNRT_ERROR_H
