# Sourced by the expect scripts of driver-setup.bats: drive the --setup
# wizard on a pseudo-terminal.
set timeout 10
# ask PATTERN ANSWER: wait for the prompt matching PATTERN (up to its ": " at the
# end of the output so far), then type ANSWER and Enter.
proc ask {pat answer} {
  expect {
    -re "${pat}\[^\n\]*: $" { send -- "$answer\r" }
    timeout { puts "\nwizard.tcl: no prompt '$pat' within $::timeout s"; exit 3 }
    eof { puts "\nwizard.tcl: the wizard ended before '$pat'"; exit 4 }
  }
}
# see TEXT: wait for TEXT in the output.
proc see {text} {
  expect {
    -ex $text {}
    timeout { puts "\nwizard.tcl: no '$text' within $::timeout s"; exit 3 }
    eof { puts "\nwizard.tcl: the wizard ended before '$text'"; exit 4 }
  }
}
# finish: wait for the end; exit with the wizard's exit status.
proc finish {} {
  expect {
    eof {}
    timeout { puts "\nwizard.tcl: the wizard did not end"; exit 3 }
  }
  set r [wait]
  exit [lindex $r 3]
}
# enter_until_confirm ANSWER: Enter at every question up to the last one, "Write
# it ...?", which gets ANSWER.
proc enter_until_confirm {answer} {
  for {set i 0} {$i < 60} {incr i} {
    expect {
      -re "Write it\[^\n\]*: $" { send -- "$answer\r"; return }
      -re ": $" { send "\r" }
      timeout { puts "\nwizard.tcl: stuck before the confirmation"; exit 3 }
      eof { puts "\nwizard.tcl: the wizard ended before the confirmation"; exit 4 }
    }
  }
  puts "\nwizard.tcl: no confirmation after 60 questions"
  exit 3
}
