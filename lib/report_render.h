#pragma once
// The formats of mls-report (--format text|html|json|ips), rendered from a
// ReportData (lib/report.h). Times are shown in local time (TZ).
//
// Every string that came from the dataset or the network (user names, PTR
// names, AS organisations...) is attacker-controlled: the text and HTML forms
// show control bytes and bytes that are not UTF-8 as "\xNN" (DisplayText,
// lib/text_safety.h);
// HTML also escapes it; JSON escapes per RFC 8259 and turns bytes that are not
// UTF-8 into U+FFFD.

#include <string>
#include <string_view>

#include "report.h"
#include "text_safety.h"

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

// report_json.cpp: --format logins, one line per case of logins_after_failures
// for alerting scripts, TAB-separated, fields escaped as the wire format does
// (\\ \t \n \r): severity, first login (ISO 8601), ip, user, kinds
// ("address,account"), failures before, users tried (","-joined), account
// failures, account addresses, new ("address,asn,country"; "-" for none).
std::string RenderLogins(const ReportData& data);

}  // namespace mls
