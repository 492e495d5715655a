#pragma once
// Whole writes to a file descriptor: the one loop over short writes and EINTR.

#include <string_view>

namespace mls {

// Writes all of `data` to `fd`, retrying after EINTR and short writes. False on
// error with errno set (EIO if write(2) wrote nothing without an error).
bool WriteAll(int fd, std::string_view data);

}  // namespace mls
