#include "geo.h"
#include "test_files.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mls {
namespace {

void RemoveTree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") ::unlink((dir + "/" + n).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

// Builds the project's test databases once (tests/data/make-test-mmdb) in a temp dir.
class GeoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/mls-geo.XXXXXX";
    if (!::mkdtemp(tmpl)) return;
    dir_ = new std::string(tmpl);
    std::string cmd = "'" + SrcDir() + "/tests/data/make-test-mmdb' '" + *dir_ + "' 2>&1";
    int rc = std::system(cmd.c_str());
    status_ = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
  }
  static void TearDownTestSuite() {
    if (dir_) RemoveTree(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(nullptr, dir_);
    if (status_ == 3)
      GTEST_SKIP() << "Perl module MaxMind::DB::Writer::Tree missing "
                      "(libmaxmind-db-writer-perl): cannot build the test databases";
    ASSERT_EQ(0, status_) << "tests/data/make-test-mmdb failed";
  }
  static std::string Country() { return *dir_ + "/test-country.mmdb"; }
  static std::string Asn() { return *dir_ + "/test-asn.mmdb"; }
  static std::string Path(const std::string& name) { return *dir_ + "/" + name; }

  static std::string* dir_;
  static int status_;
};
std::string* GeoTest::dir_ = nullptr;
int GeoTest::status_ = -1;

TEST_F(GeoTest, OpensBothDatabases) {
  std::vector<std::string> w;
  Geo geo(Country(), Asn(), w);
  EXPECT_TRUE(w.empty());
  EXPECT_TRUE(geo.has_country());
  EXPECT_TRUE(geo.has_asn());
  EXPECT_EQ("GeoLite2-Country", geo.country_db_type());
  EXPECT_EQ("GeoLite2-ASN", geo.asn_db_type());
}

TEST_F(GeoTest, DocumentationRanges) {
  std::vector<std::string> w;
  Geo geo(Country(), Asn(), w);
  EXPECT_EQ((GeoInfo{"DE", "64500", "Example Net DE"}), geo.Lookup("192.0.2.1"));
  EXPECT_EQ((GeoInfo{"DE", "64500", "Example Net DE"}), geo.Lookup("192.0.2.255"));
  EXPECT_EQ((GeoInfo{"CN", "64501", "Scanner Org"}), geo.Lookup("198.51.100.7"));
  EXPECT_EQ((GeoInfo{"FR", "64502", "Servfail Networks"}), geo.Lookup("203.0.113.200"));
  EXPECT_EQ((GeoInfo{"US", "64503", "Silent Drop Inc"}), geo.Lookup("233.252.0.1"));
  EXPECT_EQ((GeoInfo{"NL", "64504", "IPv6 Docs B.V."}), geo.Lookup("2001:db8::1"));
  EXPECT_EQ((GeoInfo{"NL", "64504", "IPv6 Docs B.V."}),
            geo.Lookup("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
}

TEST_F(GeoTest, PartialRecords) {
  std::vector<std::string> w;
  Geo geo(Country(), Asn(), w);
  // Country only, no ASN entry.
  EXPECT_EQ((GeoInfo{"ZZ", "", ""}), geo.Lookup("127.0.0.1"));
  // ASN number without organisation.
  EXPECT_EQ((GeoInfo{"", "64506", ""}), geo.Lookup("100.64.1.2"));
  // Hostile organisation name comes back byte for byte (escaping is the writer's job).
  EXPECT_EQ((GeoInfo{"", "64505", "=HYPERLINK(\"x\");evil"}), geo.Lookup("198.19.255.1"));
}

TEST_F(GeoTest, NotFound) {
  std::vector<std::string> w;
  Geo geo(Country(), Asn(), w);
  EXPECT_EQ(GeoInfo{}, geo.Lookup("10.0.0.1"));
  EXPECT_EQ(GeoInfo{}, geo.Lookup("192.0.3.0"));
  EXPECT_EQ(GeoInfo{}, geo.Lookup("2001:db9::1"));
  EXPECT_EQ(GeoInfo{}, geo.Lookup("::"));
}

TEST_F(GeoTest, Ipv4MappedAndAliases) {
  std::vector<std::string> w;
  Geo geo(Country(), Asn(), w);
  GeoInfo de{"DE", "64500", "Example Net DE"};
  EXPECT_EQ(de, geo.Lookup("::ffff:192.0.2.9"));
  EXPECT_EQ(de, geo.Lookup("::FFFF:c000:209"));
  EXPECT_EQ(de, geo.Lookup("2002:c000:0209::1"));  // 6to4 alias written by the tree
}

TEST_F(GeoTest, InvalidAddressesGiveEmptyFields) {
  std::vector<std::string> w;
  Geo geo(Country(), Asn(), w);
  for (std::string_view ip :
       {"", "300.1.2.3", "192.0.2", "192.0.2.1 ", " 192.0.2.1", "192.0.2.1\n", "2001:db8::g",
        "2001:db8:::1", "fe80::1%eth0", "example.org", "1.2.3.4.5", ":", "0x7f.0.0.1",
        "2001:0db8:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001"}) {
    EXPECT_EQ(GeoInfo{}, geo.Lookup(ip)) << ip;
  }
  // A string_view that is not NUL-terminated: only the view is parsed.
  std::string s = "192.0.2.1999";
  EXPECT_EQ((GeoInfo{"DE", "64500", "Example Net DE"}),
            geo.Lookup(std::string_view(s).substr(0, 9)));
}

TEST_F(GeoTest, OnlyOneDatabase) {
  std::vector<std::string> w;
  Geo c(Country(), "", w);
  EXPECT_TRUE(w.empty());
  EXPECT_TRUE(c.has_country());
  EXPECT_FALSE(c.has_asn());
  EXPECT_EQ((GeoInfo{"DE", "", ""}), c.Lookup("192.0.2.1"));
  Geo a("", Asn(), w);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ((GeoInfo{"", "64500", "Example Net DE"}), a.Lookup("192.0.2.1"));
  Geo none("", "", w);
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(GeoInfo{}, none.Lookup("192.0.2.1"));
}

TEST_F(GeoTest, SwappedDatabasesAreErrorsNamingFileAndType) {
  std::vector<std::string> w, e;
  Geo geo(Asn(), Country(), w, &e);
  EXPECT_TRUE(w.empty());
  ASSERT_EQ(2u, e.size());
  EXPECT_EQ(Asn() + ": database type 'GeoLite2-ASN' is not a country database "
                    "(country_db_path or --country-db)",
            e[0]);
  EXPECT_EQ(Country() + ": database type 'GeoLite2-Country' is not an ASN database "
                        "(asn_db_path or --asn-db)",
            e[1]);
  EXPECT_FALSE(geo.has_country());
  EXPECT_FALSE(geo.has_asn());
  EXPECT_EQ(GeoInfo{}, geo.Lookup("192.0.2.1"));
  // Without `errors` the messages are warnings.
  std::vector<std::string> w2;
  Geo only_warn(Asn(), "", w2);
  ASSERT_EQ(1u, w2.size());
  EXPECT_EQ(0u, w2[0].rfind(Asn() + ": database type 'GeoLite2-ASN'", 0)) << w2[0];
}

// The test database with another database_type of the same length in its metadata.
TEST_F(GeoTest, RoleFollowsTheDatabaseType) {
  std::string good = ReadAll(Country());
  auto retyped = [&](const std::string& type) {
    std::string bytes = good;
    std::size_t at = bytes.rfind("GeoLite2-Country");
    EXPECT_NE(std::string::npos, at);
    bytes.replace(at, type.size(), type);
    std::string path = Path(type + ".mmdb");
    WriteAll(path, bytes);
    return path;
  };
  std::string city = retyped("DBIP-City-Lite-X");  // City: fine as country, not as ASN
  std::string other = retyped("Made-Up-Database");  // fits neither role: let through
  std::vector<std::string> w, e;
  Geo ok(city, other, w, &e);
  EXPECT_TRUE(w.empty());
  EXPECT_TRUE(e.empty()) << e[0];
  EXPECT_TRUE(ok.has_country());
  EXPECT_TRUE(ok.has_asn());
  EXPECT_EQ("DBIP-City-Lite-X", ok.country_db_type());
  EXPECT_EQ((GeoInfo{"DE", "", ""}), ok.Lookup("192.0.2.1"));
  Geo bad("", city, w, &e);
  ASSERT_EQ(1u, e.size());
  EXPECT_EQ(city + ": database type 'DBIP-City-Lite-X' is not an ASN database "
                   "(asn_db_path or --asn-db)",
            e[0]);
}

TEST(MmdbRole, OnlyTheOtherRolesTypesAreRefused) {
  EXPECT_EQ("", CheckMmdbRole("c", "GeoLite2-Country", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbRole("c", "GeoIP2-City", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbRole("c", "DBIP-Country-Lite", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbRole("a", "DBIP-ASN-Lite (compat=GeoLite2-ASN)", MmdbKind::kAsn));
  EXPECT_EQ("", CheckMmdbRole("a", "GeoIP2-ISP", MmdbKind::kAsn));
  EXPECT_EQ("", CheckMmdbRole("x", "ipinfo lite", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbRole("x", "ipinfo lite", MmdbKind::kAsn));
  EXPECT_EQ("a: database type 'DBIP-ASN-Lite' is not a country database "
            "(country_db_path or --country-db)",
            CheckMmdbRole("a", "DBIP-ASN-Lite", MmdbKind::kCountry));
  EXPECT_NE("", CheckMmdbRole("i", "GeoIP2-ISP", MmdbKind::kCountry));
  EXPECT_NE("", CheckMmdbRole("e", "GeoIP2-Enterprise", MmdbKind::kAsn));
  EXPECT_NE("", CheckMmdbRole("c", "DBIP-Country-Lite", MmdbKind::kAsn));
}

TEST_F(GeoTest, MissingDatabaseOneWarningEach) {
  std::vector<std::string> w;
  Geo geo(Path("nope-country.mmdb"), Asn(), w);
  ASSERT_EQ(1u, w.size());
  EXPECT_EQ(Path("nope-country.mmdb") + ": No such file or directory", w[0]);
  EXPECT_FALSE(geo.has_country());
  EXPECT_EQ((GeoInfo{"", "64500", "Example Net DE"}), geo.Lookup("192.0.2.1"));

  w.clear();
  Geo both(Path("a.mmdb"), Path("b.mmdb"), w);
  ASSERT_EQ(2u, w.size());
  EXPECT_EQ(0u, w[0].rfind(Path("a.mmdb") + ": ", 0)) << w[0];
  EXPECT_EQ(0u, w[1].rfind(Path("b.mmdb") + ": ", 0)) << w[1];
  EXPECT_EQ(GeoInfo{}, both.Lookup("192.0.2.1"));
}

TEST_F(GeoTest, CorruptOrWrongFilesWarn) {
  WriteAll(Path("garbage.mmdb"), std::string(4096, 'x'));
  std::string good = ReadAll(Country());
  WriteAll(Path("truncated.mmdb"), good.substr(0, good.size() / 2));
  WriteAll(Path("empty.mmdb"), "");
  for (const char* name : {"garbage.mmdb", "truncated.mmdb", "empty.mmdb"}) {
    std::vector<std::string> w;
    Geo geo(Path(name), "", w);
    ASSERT_EQ(1u, w.size()) << name;
    EXPECT_EQ(0u, w[0].rfind(Path(name) + ": ", 0)) << w[0];
    EXPECT_FALSE(geo.has_country());
    EXPECT_EQ(GeoInfo{}, geo.Lookup("192.0.2.1"));
  }
  std::vector<std::string> w;
  Geo dir(*dir_, "", w);
  ASSERT_EQ(1u, w.size());
  EXPECT_FALSE(dir.has_country());
}

TEST_F(GeoTest, ValidateGood) {
  std::string type;
  EXPECT_EQ("", ValidateMmdb(Country(), &type));
  EXPECT_EQ("GeoLite2-Country", type);
  EXPECT_EQ("", ValidateMmdb(Asn(), &type));
  EXPECT_EQ("GeoLite2-ASN", type);
  EXPECT_EQ("", ValidateMmdb(Asn(), nullptr));
}

TEST_F(GeoTest, ValidateRejects) {
  std::string good = ReadAll(Country());
  WriteAll(Path("v-garbage.mmdb"), std::string(100, '\0'));
  WriteAll(Path("v-trunc.mmdb"), good.substr(0, good.size() - 40));
  WriteAll(Path("v-head.mmdb"), good.substr(0, 200));
  // Search tree overwritten with 0xff: every record points past the data section.
  std::string bad_tree = good;
  for (std::size_t i = 0; i < 60; ++i) bad_tree[i] = '\xff';
  WriteAll(Path("v-tree.mmdb"), bad_tree);
  for (const char* name : {"v-garbage.mmdb", "v-trunc.mmdb", "v-head.mmdb", "v-tree.mmdb"}) {
    std::string type = "unchanged";
    std::string err = ValidateMmdb(Path(name), &type);
    EXPECT_EQ(0u, err.rfind(Path(name) + ": ", 0)) << name << ": " << err;
    EXPECT_EQ("unchanged", type) << name;
  }
  EXPECT_EQ(Path("missing.mmdb") + ": No such file or directory",
            ValidateMmdb(Path("missing.mmdb"), nullptr));
}

// MaxMind's own test databases (../shared/testdata/mmdb, absent in a fresh clone):
// every answer listed in EXPECTED.md there.
class MaxMindTestData : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = SrcDir() + "/../shared/testdata/mmdb";
    struct stat st;
    if (::stat((dir_ + "/GeoLite2-Country-Test.mmdb").c_str(), &st) != 0)
      GTEST_SKIP() << dir_ << " not present (MaxMind test databases are not part of the repo)";
  }
  std::string F(const char* name) { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(MaxMindTestData, GeoLite2Country) {
  std::vector<std::string> w;
  Geo geo(F("GeoLite2-Country-Test.mmdb"), "", w);
  ASSERT_TRUE(w.empty());
  EXPECT_EQ("GeoLite2-Country", geo.country_db_type());
  EXPECT_EQ("GB", geo.Lookup("81.2.69.160").country);
  EXPECT_EQ("SE", geo.Lookup("89.160.20.128").country);
  EXPECT_EQ("US", geo.Lookup("216.160.83.56").country);
  EXPECT_EQ("PH", geo.Lookup("202.196.224.1").country);  // not represented_country US
  EXPECT_EQ("JP", geo.Lookup("2001:218::1").country);
  EXPECT_EQ("BT", geo.Lookup("67.43.156.1").country);  // not registered_country RO
  EXPECT_EQ("GB", geo.Lookup("::ffff:81.2.69.160").country);
  EXPECT_EQ("GB", geo.Lookup("2002:5102:45a0::1").country);
  EXPECT_EQ("", geo.Lookup("2a02:d500::1").country);  // found, continent only
  EXPECT_EQ(GeoInfo{}, geo.Lookup("1.1.1.1"));
}

TEST_F(MaxMindTestData, GeoIP2Country) {
  std::vector<std::string> w;
  Geo geo(F("GeoIP2-Country-Test.mmdb"), "", w);
  ASSERT_TRUE(w.empty());
  EXPECT_EQ("GB", geo.Lookup("81.2.69.160").country);
  EXPECT_EQ("US", geo.Lookup("149.101.100.1").country);
  EXPECT_EQ("CN", geo.Lookup("175.16.199.1").country);
  EXPECT_EQ("KR", geo.Lookup("2001:220::1").country);
  EXPECT_EQ("", geo.Lookup("214.1.1.1").country);  // record has no country: no fallback
  EXPECT_EQ("US", geo.Lookup("74.209.24.1").country);
  EXPECT_EQ(GeoInfo{}, geo.Lookup("1.1.1.1"));
}

TEST_F(MaxMindTestData, GeoLite2Asn) {
  std::vector<std::string> w;
  Geo geo("", F("GeoLite2-ASN-Test.mmdb"), w);
  ASSERT_TRUE(w.empty());
  EXPECT_EQ("GeoLite2-ASN", geo.asn_db_type());
  EXPECT_EQ((GeoInfo{"", "15169", "Google Inc."}), geo.Lookup("1.0.0.1"));
  EXPECT_EQ((GeoInfo{"", "1221", "Telstra Pty Ltd"}), geo.Lookup("1.128.0.1"));
  EXPECT_EQ((GeoInfo{"", "7018", "AT&T Services"}), geo.Lookup("12.81.92.1"));
  EXPECT_EQ((GeoInfo{"", "29518", "Bredband2 AB"}), geo.Lookup("89.160.20.112"));
  EXPECT_EQ((GeoInfo{"", "237", "Merit Network Inc."}), geo.Lookup("2600:6000::1"));
  EXPECT_EQ((GeoInfo{"", "6730", "Sunrise Communications AG"}), geo.Lookup("2001:1700::1"));
  EXPECT_EQ((GeoInfo{"", "7018", ""}), geo.Lookup("12.81.96.1"));
  EXPECT_EQ(GeoInfo{}, geo.Lookup("81.2.69.160"));
  EXPECT_EQ(GeoInfo{}, geo.Lookup("1.1.1.1"));
}

TEST_F(MaxMindTestData, BothAtOnceAndValidate) {
  std::vector<std::string> w;
  Geo geo(F("GeoLite2-Country-Test.mmdb"), F("GeoLite2-ASN-Test.mmdb"), w);
  ASSERT_TRUE(w.empty());
  EXPECT_EQ((GeoInfo{"SE", "29518", "Bredband2 AB"}), geo.Lookup("89.160.20.112"));
  for (const char* n :
       {"GeoLite2-Country-Test.mmdb", "GeoIP2-Country-Test.mmdb", "GeoLite2-ASN-Test.mmdb"}) {
    std::string type;
    EXPECT_EQ("", ValidateMmdb(F(n), &type)) << n;
    EXPECT_EQ(std::string(n).substr(0, std::string(n).size() - 10), type);
  }
}

}  // namespace
}  // namespace mls
