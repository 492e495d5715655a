#pragma once
// The formats of mls-report (--format text|html|json|ips), rendered from a
// ReportData (lib/report.h). Times are shown in local time (TZ).
//
// Every string that came from the dataset or the network (user names, PTR
// names, AS organisations...) is attacker-controlled: the text and HTML forms
// show control bytes and bytes that are not UTF-8 as "\xNN" (DisplayText);
// HTML also escapes it; JSON escapes per RFC 8259 and turns bytes that are not
// UTF-8 into U+FFFD.

#include <string>
#include <string_view>

#include "report.h"

namespace mls {

// report_text.cpp: the terminal / text/plain form, lines of at most ~100 columns.
std::string RenderText(const ReportData& data);
// report_html.cpp: one HTML document, inline CSS only, no scripts, no remote
// resources; the per-hour chart is plain HTML/CSS bars.
std::string RenderHtml(const ReportData& data);
// report_json.cpp: one JSON object (documented in mls-report(1)), '\n'-terminated.
std::string RenderJson(const ReportData& data);
// report_json.cpp: threshold_ips, one IP per line.
std::string RenderIps(const ReportData& data);

// report_text.cpp: `raw` with control bytes, DEL and bytes that are not part of
// valid UTF-8 shown as "\xNN" and a backslash as "\\". Characters that are valid
// UTF-8 but steer a terminal or the text direction (C1 controls U+0080..U+009F,
// bidi embeddings/overrides/isolates, U+2028/U+2029) are shown as the "\xNN" of
// their bytes too.
std::string DisplayText(std::string_view raw);

// Characters that are valid UTF-8 but steer a terminal or the text direction:
// C1 controls (U+0080..U+009F; a UTF-8 terminal may take U+009B as CSI), the
// bidirectional marks, embeddings, overrides and isolates ("Trojan Source"), and
// the line/paragraph separators. DisplayText shows them as "\xNN"; mail headers
// (lib/mime.h CleanHeaderText) drop them.
inline bool IsHiddenControl(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace mls
