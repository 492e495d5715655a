#include "backup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mls {
namespace {

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mls-archive-test.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
    for (const char* d : {"/w", "/s", "/x", "/x/imported", "/home"})
      ASSERT_EQ(0, ::mkdir((dir_ + d).c_str(), 0750));
    c_.working_dir = dir_ + "/w";
    c_.state_dir = dir_ + "/s";
    c_.sql_export_dir = dir_ + "/x";
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  void Touch(const std::string& rel, const std::string& text = "x") {
    std::ofstream(dir_ + rel) << text;
  }
  std::vector<std::string> Paths(bool purge) {
    std::vector<std::string> out;
    for (const ArchiveItem& i : PlanArchive(c_, purge)) out.push_back(i.path.substr(dir_.size()));
    return out;
  }
  std::string dir_;
  Config c_;
};

TEST_F(ArchiveTest, ResetPlansTheDatasetTheLogAndThePosition) {
  EXPECT_TRUE(Paths(false).empty());
  for (const char* f :
       {"/w/maillogsentinel.csv", "/w/maillogsentinel.csv.journal", "/w/maillogsentinel.log",
        "/w/maillogsentinel.log.1.gz", "/w/maillogsentinel.csv.lock", "/s/state.offset", "/s/lock",
        "/s/dns-cache", "/s/sql-export.cursor", "/x/mls-a-1.sql", "/w/other"})
    Touch(f);
  EXPECT_EQ((std::vector<std::string>{"/w/maillogsentinel.csv", "/w/maillogsentinel.csv.journal",
                                      "/w/maillogsentinel.log", "/w/maillogsentinel.log.1.gz",
                                      "/s/state.offset"}),
            Paths(false));
  std::vector<ArchiveItem> plan = PlanArchive(c_, false);
  EXPECT_EQ("working_dir/maillogsentinel.csv", plan[0].dest);
  EXPECT_EQ("state_dir/state.offset", plan.back().dest);
}

TEST_F(ArchiveTest, ResetTakesRetentionsRecordAndArchives) {
  ASSERT_EQ(0, ::mkdir((dir_ + "/w/archive").c_str(), 0750));
  for (const char* f : {"/w/maillogsentinel.csv", "/w/maillogsentinel.csv.retention",
                        "/w/archive/maillogsentinel-20250101-20250102.csv.gz",
                        "/w/maillogsentinel.csv.retention.tmpAb12Cd"})
    Touch(f);
  EXPECT_EQ((std::vector<std::string>{"/w/maillogsentinel.csv", "/w/maillogsentinel.csv.retention",
                                      "/w/archive"}),
            Paths(false));
  std::vector<std::string> purge = Paths(true);
  EXPECT_NE(purge.end(),
            std::find(purge.begin(), purge.end(), "/w/maillogsentinel.csv.retention.tmpAb12Cd"));
}

TEST_F(ArchiveTest, PurgePlansEverythingLocksLast) {
  for (const char* f :
       {"/w/maillogsentinel.csv", "/w/maillogsentinel.csv.lock", "/w/maillogsentinel.sqlite",
        "/w/maillogsentinel.sqlite-journal", "/w/maillogsentinel.csv.tmpAb12Cd", "/s/state.offset",
        "/s/lock", "/s/dns-cache", "/s/sql-export.cursor", "/s/sql-export.lock", "/x/mls-a-1.sql",
        "/x/import.lock", "/x/imported/mls-a-0.sql", "/w/other"})
    Touch(f);
  EXPECT_EQ((std::vector<std::string>{
                "/w/maillogsentinel.csv", "/s/state.offset", "/s/dns-cache", "/s/sql-export.cursor",
                "/x/mls-a-1.sql", "/x/imported", "/w/maillogsentinel.sqlite",
                "/w/maillogsentinel.sqlite-journal", "/w/maillogsentinel.csv.tmpAb12Cd", "/s/lock",
                "/w/maillogsentinel.csv.lock", "/s/sql-export.lock", "/x/import.lock"}),
            Paths(true));
  // A database elsewhere, or a server database, is not ours to move.
  c_.db_name = "/var/lib/elsewhere.sqlite";
  for (const std::string& p : Paths(true)) EXPECT_EQ(std::string::npos, p.find("sqlite")) << p;
}

TEST_F(ArchiveTest, MovesAndWritesTheManifest) {
  Touch("/w/maillogsentinel.csv", "rows\n");
  Touch("/s/state.offset", "state\n");
  Touch("/x/imported/mls-a-0.sql", "sql\n");
  Touch("/s/sql-export.cursor");
  std::vector<ArchiveItem> plan = PlanArchive(c_, true);
  ArchiveResult r = MoveArtefacts(plan, dir_ + "/home");
  ASSERT_EQ(std::nullopt, r.error);
  EXPECT_EQ(plan.size(), r.moved.size());
  EXPECT_TRUE(PlanArchive(c_, true).empty());
  std::ifstream csv(dir_ + "/home/working_dir/maillogsentinel.csv");
  std::stringstream text;
  text << csv.rdbuf();
  EXPECT_EQ("rows\n", text.str());
  struct stat st;
  EXPECT_EQ(0, ::stat((dir_ + "/home/sql_export_dir/imported/mls-a-0.sql").c_str(), &st));
  std::ifstream manifest(dir_ + "/home/MANIFEST");
  std::string first;
  std::getline(manifest, first);
  EXPECT_EQ("working_dir/maillogsentinel.csv\t" + dir_ + "/w/maillogsentinel.csv", first);
}

TEST_F(ArchiveTest, StopsAtAnExistingDestinationAndSaysWhatMoved) {
  Touch("/w/maillogsentinel.csv");
  Touch("/s/state.offset");
  ASSERT_EQ(0, ::mkdir((dir_ + "/home/state_dir").c_str(), 0700));
  Touch("/home/state_dir/state.offset");
  ArchiveResult r = MoveArtefacts(PlanArchive(c_, false), dir_ + "/home");
  ASSERT_TRUE(r.error);
  EXPECT_NE(std::string::npos, r.error->find("already exists")) << *r.error;
  EXPECT_EQ((std::vector<std::string>{dir_ + "/w/maillogsentinel.csv"}), r.moved);
  struct stat st;
  EXPECT_EQ(0, ::stat((dir_ + "/s/state.offset").c_str(), &st));  // left in place
}

}  // namespace
}  // namespace mls
