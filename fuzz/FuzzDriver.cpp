//===- FuzzDriver.cpp - the in-process mutation driver of attn-fuzz-* ------===//
//
//   attn-fuzz-NAME [--runs N] [--seed S] [--max-len BYTES] [--timeout SEC]
//                  [--crash-dir DIR] CORPUS_FILE_OR_DIR...
//
// Runs every seed of the corpus once (a replay: regression inputs go through
// the same path), then N mutations of randomly chosen seeds: 1 to 4 stacked
// byte, token and line edits (bit flips, deletions, duplications, the
// target's dictionary tokens, boundary numbers, splices of two seeds,
// truncation, swapped or dropped lines). The mutation stream is a function
// of the seed, so a run is repeatable. There is no coverage feedback (gcc
// has no libFuzzer); the targets are built with ASan+UBSan in the sanitizer
// build (scripts/sanitize.sh), where a memory error is a crash.
//
// A crash (a fatal signal, a sanitizer report, or an input running past
// --timeout) writes the input to CRASH_DIR/crash-NAME-HASH and names that
// file on stderr before the process dies. On success the last line is
//   NAME: S seeds + M mutations = T inputs, A accepted, R rejected, 0 crashes
//
//===----------------------------------------------------------------------===//

#include "FuzzTarget.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using attn::fuzz::Outcome;
using attn::fuzz::Target;

extern "C" void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));

namespace {

// The input being run, for the crash handlers (written before each run).
const std::string *current = nullptr;
char crashPath[4096];

/// FNV-1a, for the crash file's name.
uint64_t hashOf(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

/// Saves the current input (async-signal-safe: open/write/close only).
void saveCurrent() {
  static volatile sig_atomic_t saved = 0;
  if (!current || saved)
    return;
  saved = 1;
  int fd = ::open(crashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    size_t at = 0;
    while (at < current->size()) {
      ssize_t n = ::write(fd, current->data() + at, current->size() - at);
      if (n <= 0)
        break;
      at += size_t(n);
    }
    ::close(fd);
  }
  const char msg[] = "attn-fuzz: crashing input saved to ";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  ignored = ::write(2, crashPath, std::strlen(crashPath));
  ignored = ::write(2, "\n", 1);
  (void)ignored;
}

void onSignal(int sig) {
  if (sig == SIGALRM) {
    const char msg[] = "attn-fuzz: input ran past the timeout\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
  }
  saveCurrent();
  ::signal(sig == SIGALRM ? SIGABRT : sig, SIG_DFL);
  ::raise(sig == SIGALRM ? SIGABRT : sig);
}

bool readFile(const std::string &path, std::string &out) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  out.clear();
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.append(buf, n);
  std::fclose(f);
  return true;
}

/// Files of a corpus argument: the file itself, or a directory's regular
/// files (sorted, not recursive).
bool collect(const std::string &path, std::vector<std::string> &seeds, std::string &why) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return why = "cannot open '" + path + "'", false;
  std::vector<std::string> files;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = ::opendir(path.c_str());
    if (!d)
      return why = "cannot list '" + path + "'", false;
    while (dirent *e = ::readdir(d)) {
      std::string f = path + "/" + e->d_name;
      if (e->d_name[0] != '.' && ::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        files.push_back(f);
    }
    ::closedir(d);
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(path);
  }
  for (const std::string &f : files) {
    std::string data;
    if (!readFile(f, data))
      return why = "cannot read '" + f + "'", false;
    seeds.push_back(data);
  }
  return true;
}

/// Stacked random edits of one seed.
class Mutator {
public:
  Mutator(const Target &t, const std::vector<std::string> &seeds, uint64_t seed, size_t maxLen)
      : target(t), seeds(seeds), rng(seed), maxLen(maxLen) {}

  std::string next() {
    std::string s = seeds[pick(seeds.size())];
    int edits = 1 + int(pick(4));
    for (int i = 0; i < edits; ++i)
      edit(s);
    if (s.size() > maxLen)
      s.resize(maxLen);
    return s;
  }

private:
  size_t pick(size_t n) { return n ? std::uniform_int_distribution<size_t>(0, n - 1)(rng) : 0; }

  /// A range [b, b+len) of s with len <= max.
  void range(const std::string &s, size_t max, size_t &b, size_t &len) {
    b = pick(s.size() + 1);
    len = std::min(s.size() - b, 1 + pick(max));
  }

  /// Start and end of a random line.
  bool line(const std::string &s, size_t &b, size_t &e) {
    if (s.empty())
      return false;
    size_t at = pick(s.size());
    b = s.rfind('\n', at);
    b = b == std::string::npos ? 0 : b + 1;
    e = s.find('\n', at);
    e = e == std::string::npos ? s.size() : e + 1;
    // Sectioned inputs keep their "=== FILE" lines most of the time.
    return !(target.sectioned && s.compare(b, 4, "=== ") == 0 && pick(8) != 0);
  }

  void edit(std::string &s) {
    static const char *numbers[] = {"0", "-1", "1", "2", "3", "7", "64", "65536",
                                    "2147483647", "2147483648", "-2147483648",
                                    "4294967296", "9223372036854775807",
                                    "-9223372036854775808", "99999999999999999999",
                                    "1e309", "nan", "0x10"};
    static const char bytes[] = "()<>[]{},:;x%\"'=+-*/.#@!^ \n\t0123456789";
    size_t b, len, e;
    switch (pick(11)) {
    case 0: // flip a bit
      if (!s.empty())
        s[pick(s.size())] ^= char(1u << pick(8));
      break;
    case 1: // a punctuation or digit byte
      if (!s.empty())
        s[pick(s.size())] = bytes[pick(sizeof bytes - 1)];
      break;
    case 2: // delete a range
      range(s, 32, b, len);
      s.erase(b, len);
      break;
    case 3: // duplicate a range
      range(s, 64, b, len);
      s.insert(pick(s.size() + 1), s.substr(b, len));
      break;
    case 4: // a dictionary token
      if (!target.dictionary.empty())
        s.insert(pick(s.size() + 1), target.dictionary[pick(target.dictionary.size())]);
      break;
    case 5: { // a number replaced by a boundary value
      std::vector<std::pair<size_t, size_t>> runs;
      for (size_t i = 0; i < s.size();) {
        if (s[i] >= '0' && s[i] <= '9') {
          size_t j = i;
          while (j < s.size() && s[j] >= '0' && s[j] <= '9')
            ++j;
          runs.push_back({i, j - i});
          i = j;
        } else {
          ++i;
        }
      }
      if (!runs.empty()) {
        auto r = runs[pick(runs.size())];
        s.replace(r.first, r.second, numbers[pick(sizeof numbers / sizeof *numbers)]);
      }
      break;
    }
    case 6: { // splice: a prefix of this input, a suffix of another seed
      const std::string &o = seeds[pick(seeds.size())];
      s = s.substr(0, pick(s.size() + 1)) + o.substr(pick(o.size() + 1));
      break;
    }
    case 7: // truncate
      s.resize(pick(s.size() + 1));
      break;
    case 8: // drop a line
      if (line(s, b, e))
        s.erase(b, e - b);
      break;
    case 9: { // swap a line with another
      size_t b2, e2;
      if (line(s, b, e) && line(s, b2, e2) && e <= b2) {
        std::string first = s.substr(b, e - b), second = s.substr(b2, e2 - b2);
        s.replace(b2, e2 - b2, first);
        s.replace(b, e - b, second);
      }
      break;
    }
    default: // duplicate a line
      if (line(s, b, e))
        s.insert(pick(s.size() + 1), s.substr(b, e - b));
      break;
    }
  }

  const Target &target;
  const std::vector<std::string> &seeds;
  std::mt19937_64 rng;
  size_t maxLen;
};

std::string theWorkDir;

void removeWorkDir() {
  if (theWorkDir.empty())
    return;
  attn::fuzz::clearWorkDir();
  ::rmdir(theWorkDir.c_str());
}

int usage(const char *name) {
  std::fprintf(stderr,
               "usage: %s [--runs N] [--seed S] [--max-len BYTES] [--timeout SEC] "
               "[--crash-dir DIR] CORPUS_FILE_OR_DIR...\n",
               name);
  return 2;
}

} // namespace

const std::string &attn::fuzz::workDir() {
  if (theWorkDir.empty()) {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/attn-fuzz-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back(0);
    if (!::mkdtemp(buf.data())) {
      std::perror("attn-fuzz: mkdtemp");
      std::exit(2);
    }
    theWorkDir = buf.data();
    std::atexit(removeWorkDir);
  }
  return theWorkDir;
}

void attn::fuzz::clearWorkDir() {
  DIR *d = ::opendir(workDir().c_str());
  if (!d)
    return;
  std::vector<std::string> names;
  while (dirent *e = ::readdir(d))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, ".."))
      names.push_back(workDir() + "/" + e->d_name);
  ::closedir(d);
  for (const std::string &n : names)
    ::unlink(n.c_str());
}

int main(int argc, char **argv) {
  const Target &target = attn::fuzz::target();
  long runs = 1000, timeout = 20;
  uint64_t seed = 1;
  size_t maxLen = 1 << 16;
  std::string crashDir = ".";
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](long &v) {
      if (i + 1 >= argc)
        return false;
      char *end = nullptr;
      v = std::strtol(argv[++i], &end, 10);
      return *end == 0 && v >= 0;
    };
    long v = 0;
    if (a == "--runs") {
      if (!value(runs))
        return usage(target.name);
    } else if (a == "--seed") {
      if (!value(v))
        return usage(target.name);
      seed = uint64_t(v);
    } else if (a == "--max-len") {
      if (!value(v) || v < 1)
        return usage(target.name);
      maxLen = size_t(v);
    } else if (a == "--timeout") {
      if (!value(timeout))
        return usage(target.name);
    } else if (a == "--crash-dir" && i + 1 < argc) {
      crashDir = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      return usage(target.name);
    } else {
      corpus.push_back(a);
    }
  }
  std::vector<std::string> seeds;
  for (const std::string &c : corpus) {
    std::string why;
    if (!collect(c, seeds, why)) {
      std::fprintf(stderr, "%s: %s\n", target.name, why.c_str());
      return 2;
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "%s: the corpus has no inputs\n", target.name);
    return 2;
  }
  if (__sanitizer_set_death_callback)
    __sanitizer_set_death_callback(saveCurrent);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM})
    ::signal(sig, onSignal);

  long accepted = 0, rejected = 0;
  auto start = std::chrono::steady_clock::now();
  auto one = [&](const std::string &input) {
    current = &input;
    std::snprintf(crashPath, sizeof crashPath, "%s/crash-%s-%016llx", crashDir.c_str(),
                  target.name, (unsigned long long)hashOf(input));
    ::alarm(unsigned(timeout));
    Outcome o = target.run(reinterpret_cast<const uint8_t *>(input.data()), input.size());
    ::alarm(0);
    current = nullptr;
    (o == Outcome::Accepted ? accepted : rejected)++;
  };
  for (const std::string &s : seeds)
    one(s);
  Mutator mutator(target, seeds, seed, maxLen);
  for (long i = 0; i < runs; ++i)
    one(mutator.next());
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu seeds + %ld mutations = %ld inputs, %ld accepted, %ld rejected, "
              "0 crashes (%.1f s)\n",
              target.name, seeds.size(), runs, long(seeds.size()) + runs, accepted, rejected,
              secs);
  return 0;
}
