#pragma once
// What the report header says about this machine and the extraction runs,
// gathered outside the dataset: host name and address, the extraction timer's
// schedule, the last committed run and the SASL backend outages from the
// driver's op log (<working_dir>/maillogsentinel.log, lib/oplog.h).

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace mls {

struct HostIdentity {
  std::string fqdn;     // gethostname + getaddrinfo(AI_CANONNAME); the short name if that fails
  std::string address;  // first non-loopback address of an up interface (IPv4 first), or ""
};
HostIdentity LocalHostIdentity();

// The trigger settings of maillogsentinel-extract.timer's [Timer] section
// (OnCalendar=, and the monotonic OnBootSec=, OnUnitActiveSec=, ... that our
// unit uses), as "Key=value" joined by ", " in file order, e.g.
// "OnBootSec=2min, OnUnitActiveSec=10min"; an empty assignment resets the list
// as in systemd; "" if none is set. Looked up in `unit_dirs` in order (the first
// file found wins; a drop-in is not read). nullopt if no unit file is found.
std::optional<std::string> ExtractionSchedule(const std::vector<std::string>& unit_dirs);
// /etc/systemd/system, /run/systemd/system, /usr/local/lib/systemd/system,
// /lib/systemd/system, /usr/lib/systemd/system.
std::vector<std::string> DefaultUnitDirs();

// Facts from the op log: the driver writes "committed: ..." after each committed
// extraction run (lib/run_stats.h FormatSummary, which names the SASL backend
// outages that run saw).
struct OpLogFacts {
  bool readable = false;                       // false: absent or unreadable
  std::optional<std::time_t> last_extraction;  // newest "committed:" line
  std::uint64_t outages = 0;                   // summed over runs committed in [since, until)
  std::uint64_t suppressed = 0;                // journald's drops, likewise
};
// Streams the file (bounded memory, however long the log). Only lines of the
// form "<timestamp> <LEVEL> maillogsentinel: committed: <summary>" count, so a
// message quoting attacker text cannot pass for one.
OpLogFacts ReadOpLogFacts(const std::string& path, std::time_t since, std::time_t until);

}  // namespace mls
