// mls-parse: raw syslog lines in, one TSV event per Postfix SASL failure out
// (and, with --logins, one login record per successful SASL login).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "cli.h"
#include "diag.h"
#include "input_map.h"
#include "log_scanner.h"
#include "syslog_time.h"

int main(int argc, char** argv) {
  mls::CliSpec spec;
  spec.name = "mls-parse";
  spec.synopsis = "mls-parse [OPTION]... [FILE]...";
  spec.summary =
      "Print one TSV event per Postfix SASL authentication failure found in syslog lines.";
  std::string reference;
  std::size_t max_line = mls::kDefaultMaxLineLength;
  spec.options.add_options()(
      "reference-time", mls::po::value(&reference)->value_name("ISO8601"),
      "year inference for year-less stamps is relative to this instant (default: now)")(
      "include-aborted", "also emit 'SASL ... authentication aborted' lines")(
      "logins",
      "also emit successful SASL logins, as records of 8 fields (a failure has 9):\n"
      "time, server, ip, user, method, client, port, service")(
      "stats", "print a summary line to standard error at the end")(
      "max-line-length", mls::po::value(&max_line)->value_name("BYTES"),
      "skip (and count) lines longer than this (default 65536)")(
      "map-fd", mls::po::value<int>()->value_name("N"),
      "read mls-tail --map-fd's records from file descriptor N: warnings then name\n"
      "the log file and the line's offset in it, not standard input");
  spec.hidden.add_options()("files", mls::po::value<std::vector<std::string>>());
  spec.positional.add("files", -1);
  mls::po::variables_map vm;
  if (auto status = mls::ParseCli(spec, argc, argv, vm)) return *status;

  mls::ScanOptions options;
  options.include_aborted = vm.count("include-aborted") > 0;
  options.logins = vm.count("logins") > 0;
  options.max_line_length = max_line;
  options.reference_time = std::time(nullptr);
  if (max_line < mls::kMinMaxLineLength || max_line > mls::kMaxMaxLineLength) {
    return mls::UsageError("mls-parse", "--max-line-length must be between " +
                                            std::to_string(mls::kMinMaxLineLength) + " and " +
                                            std::to_string(mls::kMaxMaxLineLength));
  }
  if (vm.count("reference-time")) {
    auto t = mls::ParseIso8601Instant(reference);
    if (!t) {
      return mls::UsageError("mls-parse",
                             "--reference-time: not an ISO 8601 time: '" + reference + "'");
    }
    options.reference_time = *t;
  }
  std::vector<std::string> files = {"-"};
  if (vm.count("files")) files = vm["files"].as<std::vector<std::string>>();

  int map_fd = -1;
  if (vm.count("map-fd")) {
    map_fd = vm["map-fd"].as<int>();
    int flags = map_fd < 0 ? -1 : ::fcntl(map_fd, F_GETFL);
    if (flags < 0 || ::fcntl(map_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
      return mls::UsageError("mls-parse",
                             "--map-fd " + std::to_string(map_fd) + ": not an open descriptor");
    }
  }

  tzset();
  mls::LogScanner scanner(options, [](std::string_view msg) { mls::Warn(msg); });
  mls::InputMap map;
  std::function<void()> drain;
  if (map_fd >= 0) {
    drain = [&map, map_fd] {
      if (auto error = map.Drain(map_fd)) mls::Warn(*error);
    };
  }
  auto locate = [&map](std::uint64_t offset) { return map.Locate(offset); };
  int status = 0;
  for (const std::string& file : files) {
    const bool is_stdin = file == "-";
    const std::string name = is_stdin ? "standard input" : file;
    const int fd = is_stdin ? STDIN_FILENO : ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      mls::Warn(mls::ErrnoMessage(file, errno));
      status = 1;
      continue;
    }
    // The map describes standard input only.
    const bool mapped = is_stdin && map_fd >= 0;
    scanner.SetLocator(mapped ? mls::LogScanner::LocateFn(locate) : nullptr);
    auto error = mls::ScanFd(fd, name, scanner, STDOUT_FILENO, mapped ? drain : nullptr);
    if (!is_stdin) ::close(fd);
    if (error) {
      mls::Warn(error->message);
      status = 1;
      if (error->output) break;
    }
  }
  scanner.WarnSummary();
  if (vm.count("stats")) mls::Warn(mls::FormatScanStats(scanner.stats()));
  return status;
}
