#include "setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace mls {
namespace {

TEST(Setup, DropIns) {
  Config c;
  c.setup_user = "mls";
  c.sql_export_dir = "/var/lib/maillogsentinel/sql";
  EXPECT_EQ(
      "# Written by maillogsentinel --setup: change the template and run it again.\n"
      "[Service]\nUser=mls\nGroup=mls\nReadWritePaths=/var/lib/maillogsentinel "
      "/var/lib/maillogsentinel/state /var/lib/maillogsentinel/sql\n",
      SetupServiceDropIn(c));
  c.sql_export_dir.clear();
  EXPECT_NE(std::string::npos,
            SetupServiceDropIn(c).find(
                "ReadWritePaths=/var/lib/maillogsentinel /var/lib/maillogsentinel/state\n"));
  // The metrics file's directory (renamed into), optional ("-") for systemd.
  c.metrics_file = "/var/lib/prometheus/node-exporter/maillogsentinel.prom";
  EXPECT_NE(std::string::npos, SetupServiceDropIn(c).find("ReadWritePaths=/var/lib/maillogsentinel "
                                                          "/var/lib/maillogsentinel/state "
                                                          "-/var/lib/prometheus/node-exporter\n"));
  // The timer's OnCalendar= list is reset first, then set.
  EXPECT_EQ(
      "# Written by maillogsentinel --setup: change the template and run it again.\n"
      "[Timer]\nOnCalendar=\nOnCalendar=*:0/15\n",
      SetupTimerDropIn("*:0/15"));
}

// Checks come before any change: a template without a recipient writes nothing
// and runs nothing.
TEST(Setup, MissingRecipientChangesNothing) {
  char tmpl[] = "/tmp/mls-setup-test.XXXXXX";
  ASSERT_NE(nullptr, ::mkdtemp(tmpl));
  const std::string dir = tmpl;
  std::ofstream(dir + "/t.conf") << "[setup]\nuser = someone\n";
  int runs = 0;
  SetupOptions o;
  o.template_path = dir + "/t.conf";
  o.root = dir + "/root";
  o.run = [&runs](const std::vector<std::string>&, std::string&) {
    ++runs;
    return 0;
  };
  SetupResult r = RunSetup(o);
  EXPECT_EQ(1, r.exit_status);
  EXPECT_EQ(dir + "/t.conf: [report] email is required (who gets the report)", r.error);
  EXPECT_EQ(0, runs);
  struct stat st;
  EXPECT_NE(0, ::stat((dir + "/root").c_str(), &st));
  std::ofstream(dir + "/t.conf") << "[setup]\nuser = Bad User\n";
  EXPECT_EQ(2, RunSetup(o).exit_status);  // an invalid template: a usage error
  std::system(("rm -rf '" + dir + "'").c_str());
}

}  // namespace
}  // namespace mls
