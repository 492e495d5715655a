#include "tsv.h"

namespace mls {

void TsvEscapeTo(std::string_view field, std::string& out) {
  for (char c : field) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

namespace {
template <typename Fields>
void AppendRecord(const Fields& fields, std::string& out) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out += '\t';
    first = false;
    TsvEscapeTo(f, out);
  }
  out += '\n';
}
}  // namespace

void TsvAppendRecord(const std::vector<std::string_view>& fields, std::string& out) {
  AppendRecord(fields, out);
}
void TsvAppendRecord(const std::vector<std::string>& fields, std::string& out) {
  AppendRecord(fields, out);
}

std::optional<std::string> TsvDecodeRecord(std::string_view line,
                                           std::vector<std::string>& fields) {
  fields.clear();
  fields.emplace_back();
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\t') {
      fields.emplace_back();
    } else if (c == '\\') {
      if (i + 1 >= line.size())
        return "dangling backslash in field " + std::to_string(fields.size());
      char e = line[++i];
      switch (e) {
        case '\\': fields.back() += '\\'; break;
        case 't': fields.back() += '\t'; break;
        case 'n': fields.back() += '\n'; break;
        case 'r': fields.back() += '\r'; break;
        default:
          return std::string("bad escape '\\") + e + "' in field " +
                 std::to_string(fields.size());
      }
    } else if (c == '\n' || c == '\r') {
      return "raw " + std::string(c == '\n' ? "newline" : "carriage return") +
             " in field " + std::to_string(fields.size());
    } else {
      fields.back() += c;
    }
  }
  return std::nullopt;
}

}  // namespace mls
