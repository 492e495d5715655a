// The dataset reader (lib/dataset.h DatasetScanner): our 14-column CSV, the
// logins dataset and the older tool's 9-column rows with their "DD/MM/YYYY
// HH:MM" dates and "null"/"N/A" cells. The first byte picks a header to put
// before the rest of the input (or none), so that the fuzzer reaches the rows.
// Invariants, for the failures datasets:
//   - a row read as an event, written back (CsvAppendEvent) and read again is
//     the same event: cells survive quoting, neutralisation and line ends;
//   - resuming at a record's end_offset (as mls-report and mls-sql do) reads
//     the same records that followed it.
#include "dataset.h"

#include <sys/mman.h>
#include <unistd.h>

#include "event.h"
#include "fuzz.h"

namespace {

int MemFile(std::string_view bytes) {
  int fd = memfd_create("dataset", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    FUZZ_CHECK(n > 0);
    done += static_cast<std::size_t>(n);
  }
  FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
  return fd;
}

struct Row {
  std::vector<std::string> event;
  std::uint64_t end = 0;
  std::size_t line = 0;
};

// Every valid row of the dataset in `fd` (read from its start, or resumed).
std::vector<Row> ReadRows(mls::DatasetScanner& scanner) {
  std::vector<Row> rows;
  mls::DatasetRecord rec;
  mls::DatasetCells cells;
  while (scanner.Next(rec)) {
    if (rec.error) continue;
    Row row;
    scanner.Split(rec, cells);
    scanner.ToEvent(cells, row.event);
    row.end = rec.end_offset;
    row.line = rec.line;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest = fuzz::Bytes(data + 1, size - 1);
  std::string text;
  mls::DatasetKind kind = mls::DatasetKind::kFailures;
  switch (data[0] & 3) {
    case 0:
      break;
    case 1:
      text.append(mls::kCsvHeader).append("\n");
      break;
    case 2:
      text.append(mls::kLegacyCsvHeader).append("\n");
      break;
    case 3:
      text.append(mls::kLoginsCsvHeader).append("\n");
      kind = mls::DatasetKind::kLogins;
      break;
  }
  text.append(rest);
  int fd = MemFile(text);
  mls::DatasetScanner scanner(fd);
  if (!scanner.ReadHeader(kind)) {
    close(fd);
    return 0;
  }
  const std::size_t columns = scanner.columns();
  std::vector<Row> rows = ReadRows(scanner);
  close(fd);
  if (kind != mls::DatasetKind::kFailures) return 0;

  // written back and read again: the same events
  std::string again(mls::kCsvHeader);
  again += '\n';
  for (const Row& r : rows) {
    FUZZ_CHECK(r.event.size() == mls::kEnrichedColumns);
    mls::CsvAppendEvent(r.event, again);
  }
  fd = MemFile(again);
  mls::DatasetScanner rescan(fd);
  FUZZ_CHECK(rescan.ReadHeader());
  std::vector<Row> back = ReadRows(rescan);
  close(fd);
  FUZZ_CHECK(back.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) FUZZ_CHECK(back[i].event == rows[i].event);

  // resumed after the middle row: the rows after it
  if (rows.size() >= 2) {
    std::size_t mid = rows.size() / 2 - 1;
    fd = MemFile(text);
    FUZZ_CHECK(lseek(fd, static_cast<off_t>(rows[mid].end), SEEK_SET) ==
               static_cast<off_t>(rows[mid].end));
    mls::DatasetScanner resumed(fd, rows[mid].end, rows[mid + 1].line, columns);
    std::vector<Row> tail = ReadRows(resumed);
    close(fd);
    FUZZ_CHECK(tail.size() == rows.size() - mid - 1);
    for (std::size_t i = 0; i < tail.size(); ++i) {
      FUZZ_CHECK(tail[i].event == rows[mid + 1 + i].event);
      FUZZ_CHECK(tail[i].end == rows[mid + 1 + i].end);
    }
  }
  return 0;
}
