#include "anonymize_cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <regex>

#include "anonymize.h"
#include "atomic_file.h"
#include "cli.h"
#include "dataset.h"
#include "diag.h"
#include "fd_io.h"
#include "log_source.h"
#include "pseudonym.h"

namespace mls {
namespace {

constexpr const char* kTool = "mls-anonymize";
constexpr std::size_t kBlock = std::size_t{1} << 20;

// Flushes `out` to `fd` once it holds a block.
bool Flush(int fd, std::string& out, bool force) {
  if (out.size() < kBlock && !force) return true;
  bool ok = WriteAll(fd, out);
  out.clear();
  return ok;
}

Fd OpenInput(const std::string& path) {
  if (path == "-") return Fd(::dup(STDIN_FILENO));
  return Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

// Plain, or gzip by its magic bytes; standard input (not seekable) through
// zlib, which reads plain text as it is.
SourceKind KindOf(int fd) {
  unsigned char magic[2];
  if (::lseek(fd, 0, SEEK_CUR) < 0) return SourceKind::kGzip;
  ssize_t n = ::pread(fd, magic, 2, 0);
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? SourceKind::kGzip : SourceKind::kPlain;
}

// One mail log, line by line through `anon`. False on a read or write error.
bool AnonymizeLog(const std::string& path, Anonymizer& anon, int out_fd, std::string& out) {
  Fd fd = OpenInput(path);
  const std::string name = path == "-" ? "standard input" : path;
  if (!fd) {
    Warn(ErrnoMessage(name, errno));
    return false;
  }
  const SourceKind kind = KindOf(fd.get());
  std::string error;
  std::unique_ptr<LogSource> src = LogSource::Open(std::move(fd), kind, name, error);
  if (!src) {
    Warn(error);
    return false;
  }
  std::string buf(kBlock, '\0');
  std::string carry;
  for (;;) {
    ssize_t n = src->Read(buf.data(), buf.size());
    if (n < 0) {
      Warn(src->error());
      return false;
    }
    std::string_view data(buf.data(), static_cast<std::size_t>(n));
    if (n == 0) {
      if (!carry.empty()) anon.Line(carry, out);  // a last line without '\n' stays so
      return Flush(out_fd, out, false);
    }
    std::size_t start = 0;
    for (std::size_t nl; (nl = data.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      if (!carry.empty()) {
        carry.append(data, start, nl - start);
        anon.Line(carry, out);
        carry.clear();
      } else {
        anon.Line(data.substr(start, nl - start), out);
      }
      out += '\n';
      if (!Flush(out_fd, out, false)) return false;
    }
    carry.append(data, start, std::string_view::npos);
  }
}

// One dataset: rows through `anon`, written in the current format. `skipped`
// counts the rows that cannot be read (never copied: they could leak).
bool AnonymizeDataset(const std::string& path, Anonymizer& anon, int out_fd, std::string& out,
                      std::size_t& skipped) {
  Fd fd = OpenInput(path);
  const std::string name = path == "-" ? "standard input" : path;
  if (!fd) {
    Warn(ErrnoMessage(name, errno));
    return false;
  }
  DatasetScanner scanner(fd.get());
  if (!scanner.ReadHeader()) {
    Warn(name + ": " + scanner.error().value_or("empty: no dataset header"));
    return false;
  }
  DatasetRecord rec;
  DatasetCells cells;
  std::vector<std::string> fields;
  while (scanner.Next(rec)) {
    if (rec.error) {
      Warn(name + ": line " + std::to_string(rec.line) + ": " + *rec.error + " (left out)");
      ++skipped;
      continue;
    }
    scanner.Split(rec, cells);
    scanner.ToEvent(cells, fields);
    anon.Event(fields);
    CsvAppendEvent(fields, out);
    if (!Flush(out_fd, out, false)) return false;
  }
  if (scanner.error()) {
    Warn(name + ": " + *scanner.error());
    return false;
  }
  return true;
}

}  // namespace

std::optional<int> ParseAnonymizeOptions(int argc, char** argv, AnonymizeCliOptions& o) {
  CliSpec spec;
  spec.name = kTool;
  spec.synopsis =
      "mls-anonymize [--key FILE] [--prefix-preserving] [--hostname] [--also REGEX]...\n"
      "              [--map FILE] [--dataset] [FILE]...";
  spec.summary =
      "Copy mail logs (plain or gzip) or, with --dataset, maillogsentinel datasets to standard "
      "output with every IP address, user name, e-mail address and host name replaced by a "
      "pseudonym: the same value always the same pseudonym, two values never the same one. "
      "Everything else stays as it was, so the copy shows the same events.";
  spec.options.add_options()("key", po::value(&*(o.key_path = std::string()))->value_name("FILE"),
                             "the pseudonyms' key (16 bytes or more, e.g. head -c 32 "
                             "/dev/urandom): the same pseudonyms in every run; default: a random "
                             "key for this run")(
      "prefix-preserving", po::bool_switch(&o.prefix_preserving),
      "addresses that share a prefix (a /24, a /64) still do (Crypto-PAn)")(
      "hostname", po::bool_switch(&o.hostname),
      "also replace the syslog host field (the dataset's server column)")(
      "also", po::value(&o.also)->value_name("REGEX"),
      "also replace what this ECMAScript regular expression matches (repeatable)")(
      "map", po::value(&*(o.map_path = std::string()))->value_name("FILE"),
      "write what was replaced and its pseudonym to FILE (mode 0600), for the data's owner")(
      "dataset", po::bool_switch(&o.dataset),
      "the inputs are datasets (maillogsentinel.csv), not mail logs");
  spec.hidden.add_options()("files", po::value(&o.files));
  spec.positional.add("files", -1);
  po::variables_map vm;
  if (auto rc = ParseCli(spec, argc, argv, vm)) return rc;
  if (!vm.count("key")) o.key_path.reset();
  if (!vm.count("map")) o.map_path.reset();
  if (o.files.empty()) o.files.push_back("-");
  if (o.map_path && o.map_path->empty()) return UsageError(kTool, "--map: empty file name");
  return std::nullopt;
}

int RunAnonymize(const AnonymizeCliOptions& o, int out_fd) {
  PseudonymKey key;
  if (o.key_path) {
    if (auto err = LoadPseudonymKey(*o.key_path, key)) {
      Warn("--key: " + *err);
      return kExitUsage;
    }
  } else {
    key = RandomPseudonymKey();
  }
  AnonymizeOptions ao;
  ao.hostname = o.hostname;
  for (const std::string& re : o.also) {
    try {
      ao.also.emplace_back(re, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      return UsageError(kTool, "--also '" + re + "': not a regular expression (" + e.what() + ")");
    }
  }
  Pseudonyms names(key, o.prefix_preserving);
  Anonymizer anon(names, std::move(ao));
  std::string out;
  if (o.dataset) {
    out.append(kCsvHeader);
    out += '\n';
  }
  bool ok = true;
  std::size_t skipped = 0;
  for (const std::string& f : o.files) {
    if (!(o.dataset ? AnonymizeDataset(f, anon, out_fd, out, skipped)
                    : AnonymizeLog(f, anon, out_fd, out)))
      ok = false;
  }
  if (!Flush(out_fd, out, true)) {
    Warn(ErrnoMessage("standard output", errno));
    return kExitFailure;
  }
  if (skipped > 0) {
    Warn(std::to_string(skipped) + " dataset row" + (skipped == 1 ? "" : "s") +
         " could not be read and were left out");
    ok = false;
  }
  if (o.map_path) {
    if (auto err = WriteFileAtomically(*o.map_path, names.Map(), 0600)) {
      Warn("--map: " + *err);
      return kExitFailure;
    }
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace mls
