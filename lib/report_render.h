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
// their bytes too (lib/text_safety.h IsHiddenControl).
std::string DisplayText(std::string_view raw);

}  // namespace mls
