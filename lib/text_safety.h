#pragma once
// Text that came from attackers (user names, PTR names, AS organisations...)
// shown to a person: which characters must never reach a terminal or a mail
// header as they are, and the one way every tool shows them (DisplayText).

#include <string>
#include <string_view>

namespace mls {

// `raw` made safe to show on a terminal, in a log line, a report or a message:
// a backslash becomes "\\"; control bytes (C0 including TAB, DEL), bytes that
// are not part of valid UTF-8, and the bytes of an IsHiddenControl character
// become "\xNN" (upper-case hex); other valid UTF-8 passes as it is. The
// report, the op log, mls-ipinfo's text output and mail address errors all
// show bytes this way.
std::string DisplayText(std::string_view raw);

// Characters that are valid UTF-8 but steer a terminal or the text direction:
// C1 controls (U+0080..U+009F; a UTF-8 terminal may take U+009B as CSI), the
// bidirectional marks, embeddings, overrides and isolates ("Trojan Source"), and
// the line/paragraph separators. DisplayText shows them as "\xNN"; mail headers (lib/mime.h CleanHeaderText) drop them.
bool IsHiddenControl(char32_t cp);

}  // namespace mls
