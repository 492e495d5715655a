#pragma once
// Text that came from attackers (user names, PTR names, AS organisations...)
// shown to a person: which characters must never reach a terminal or a mail
// header as they are.

namespace mls {

// Characters that are valid UTF-8 but steer a terminal or the text direction:
// C1 controls (U+0080..U+009F; a UTF-8 terminal may take U+009B as CSI), the
// bidirectional marks, embeddings, overrides and isolates ("Trojan Source"), and
// the line/paragraph separators. The report's DisplayText (lib/report_render.h)
// shows them as "\xNN"; mail headers (lib/mime.h CleanHeaderText) drop them.
bool IsHiddenControl(char32_t cp);

}  // namespace mls
