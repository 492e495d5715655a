#include "mmdb_update.h"
#include "test_files.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace mls {
namespace {

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(Z_OK, deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY));
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(Z_STREAM_END, deflate(&z, Z_FINISH));
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A ustar archive of (name, content) regular files (names ending in "/" are
// directories), optionally gzip-compressed.
std::string Tar(const std::vector<std::pair<std::string, std::string>>& files, bool gz) {
  archive* a = archive_write_new();
  archive_write_set_format_ustar(a);
  if (gz) archive_write_add_filter_gzip(a);
  std::vector<char> buf(1 << 20);
  size_t used = 0;
  EXPECT_EQ(ARCHIVE_OK, archive_write_open_memory(a, buf.data(), buf.size(), &used));
  for (const auto& [name, content] : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    bool dir = !name.empty() && name.back() == '/';
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : static_cast<la_int64_t>(content.size()));
    EXPECT_EQ(ARCHIVE_OK, archive_write_header(a, e));
    if (!dir) archive_write_data(a, content.data(), content.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

class MmdbUpdateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/mls-mmdbupd.XXXXXX";
    if (!::mkdtemp(tmpl)) return;
    data_dir_ = new std::string(tmpl);
    std::string cmd = "'" + SrcDir() + "/tests/data/make-test-mmdb' '" + *data_dir_ + "' 2>&1";
    int rc = std::system(cmd.c_str());
    status_ = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
    if (status_ == 0) {
      country_ = new std::string(ReadAll(*data_dir_ + "/test-country.mmdb"));
      asn_ = new std::string(ReadAll(*data_dir_ + "/test-asn.mmdb"));
    }
  }
  static void TearDownTestSuite() {
    if (data_dir_) std::system(("rm -rf '" + *data_dir_ + "'").c_str());
    delete data_dir_;
    delete country_;
    delete asn_;
    data_dir_ = country_ = asn_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(nullptr, data_dir_);
    if (status_ == 3)
      GTEST_SKIP() << "Perl module MaxMind::DB::Writer::Tree missing "
                      "(libmaxmind-db-writer-perl): cannot build the test databases";
    ASSERT_EQ(0, status_) << "tests/data/make-test-mmdb failed";
    char tmpl[] = "/tmp/mls-mmdbupd-t.XXXXXX";
    ASSERT_NE(nullptr, ::mkdtemp(tmpl));
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  std::vector<std::string> Entries() {
    std::vector<std::string> v;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (struct dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") v.push_back(n);
      }
      ::closedir(d);
    }
    std::sort(v.begin(), v.end());
    return v;
  }
  const std::string& Country() { return *country_; }
  const std::string& Asn() { return *asn_; }

  std::string dir_;
  static std::string* data_dir_;
  static std::string* country_;
  static std::string* asn_;
  static int status_;
};
std::string* MmdbUpdateTest::data_dir_ = nullptr;
std::string* MmdbUpdateTest::country_ = nullptr;
std::string* MmdbUpdateTest::asn_ = nullptr;
int MmdbUpdateTest::status_ = -1;

TEST(MmdbKind, Check) {
  EXPECT_EQ("", CheckMmdbKind("GeoLite2-Country", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbKind("GeoIP2-City", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbKind("DBIP-Country-Lite", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbKind("GeoIP2-Enterprise", MmdbKind::kCountry));
  EXPECT_EQ("", CheckMmdbKind("GeoLite2-ASN", MmdbKind::kAsn));
  EXPECT_EQ("", CheckMmdbKind("GeoIP2-ISP", MmdbKind::kAsn));
  EXPECT_EQ("database type 'GeoLite2-ASN' is not a country database",
            CheckMmdbKind("GeoLite2-ASN", MmdbKind::kCountry));
  EXPECT_EQ("database type 'GeoLite2-Country' is not an ASN database",
            CheckMmdbKind("GeoLite2-Country", MmdbKind::kAsn));
  EXPECT_NE("", CheckMmdbKind("GeoIP2-Anonymous-IP", MmdbKind::kCountry));
}

TEST(RedactUrl, HidesSecrets) {
  EXPECT_EQ("http://127.0.0.1:8000/x.mmdb", RedactUrl("http://127.0.0.1:8000/x.mmdb"));
  EXPECT_EQ("https://download.maxmind.com/app/geoip_download?***",
            RedactUrl("https://download.maxmind.com/app/geoip_download?edition_id=GeoLite2-ASN"
                      "&license_key=SECRET&suffix=tar.gz"));
  EXPECT_EQ("https://user:***@example.org/db.mmdb",
            RedactUrl("https://user:pass@example.org/db.mmdb"));
  EXPECT_EQ("https://user@example.org/a", RedactUrl("https://user@example.org/a#frag"));
  EXPECT_EQ("file:///var/lib/x.mmdb", RedactUrl("file:///var/lib/x.mmdb"));
  EXPECT_EQ("http://x/a?b", RedactUrl("http://x/a\nb"));
  EXPECT_EQ(std::string::npos, RedactUrl("http://x/a\nb\x1b").find_first_of("\n\x1b"));
}

TEST_F(MmdbUpdateTest, UnpackPlain) {
  Unpacked u = UnpackMmdb(Country());
  EXPECT_EQ("", u.error);
  EXPECT_EQ("mmdb", u.format);
  EXPECT_EQ(Country(), u.mmdb);
}

TEST_F(MmdbUpdateTest, UnpackGzip) {
  Unpacked u = UnpackMmdb(Gzip(Asn()));
  EXPECT_EQ("", u.error);
  EXPECT_EQ("mmdb.gz", u.format);
  EXPECT_EQ(Asn(), u.mmdb);
}

TEST_F(MmdbUpdateTest, UnpackTarGzLikeMaxMind) {
  std::string tgz = Tar({{"GeoLite2-Country_20240102/", ""},
                         {"GeoLite2-Country_20240102/COPYRIGHT.txt", "(c) test\n"},
                         {"GeoLite2-Country_20240102/GeoLite2-Country.mmdb", Country()},
                         {"GeoLite2-Country_20240102/LICENSE.txt", "licence\n"}},
                        true);
  Unpacked u = UnpackMmdb(tgz);
  EXPECT_EQ("", u.error);
  EXPECT_EQ("tar.gz", u.format);
  EXPECT_EQ(Country(), u.mmdb);
  // Detected by content: the name of the download does not matter, nor is there one.
  Unpacked plain_tar = UnpackMmdb(Tar({{"x.mmdb", Asn()}}, false));
  EXPECT_EQ("", plain_tar.error);
  EXPECT_EQ("tar", plain_tar.format);
  EXPECT_EQ(Asn(), plain_tar.mmdb);
}

TEST_F(MmdbUpdateTest, UnpackRejects) {
  EXPECT_EQ("empty file", UnpackMmdb("").error);
  EXPECT_EQ("archive holds more than one .mmdb file",
            UnpackMmdb(Tar({{"a.mmdb", Country()}, {"b.mmdb", Asn()}}, true)).error);
  EXPECT_EQ("archive holds no .mmdb file",
            UnpackMmdb(Tar({{"README", "x"}, {"db.mmdb.txt", "y"}}, true)).error);
  std::string gz = Gzip(Country());
  Unpacked trunc_gz = UnpackMmdb(std::string_view(gz).substr(0, gz.size() / 2));
  EXPECT_NE("", trunc_gz.error);
  EXPECT_EQ("", trunc_gz.mmdb);
  std::string tgz = Tar({{"d/GeoLite2-ASN.mmdb", Asn()}}, true);
  Unpacked trunc_tgz = UnpackMmdb(std::string_view(tgz).substr(0, tgz.size() - 30));
  EXPECT_NE("", trunc_tgz.error);
  std::string tar = Tar({{"d/GeoLite2-ASN.mmdb", Asn()}}, false);
  EXPECT_NE("", UnpackMmdb(std::string_view(tar).substr(0, 1024)).error);
}

TEST_F(MmdbUpdateTest, UnpackCapsTheOutput) {
  // (Not zeros: a gzip of zero blocks is a valid, empty tar.)
  std::string big(1 << 20, 'A');
  Unpacked bomb = UnpackMmdb(Gzip(big), 64 << 10);
  EXPECT_EQ("unpacked size over 65536 bytes", bomb.error);
  EXPECT_EQ("", bomb.mmdb);
  EXPECT_NE("", UnpackMmdb(Tar({{"big.mmdb", big}}, true), 64 << 10).error);
}

TEST_F(MmdbUpdateTest, UnpackPassesUnknownBytesToValidation) {
  // Not gzip, not tar: handed on unchanged; InstallMmdb then rejects it.
  Unpacked u = UnpackMmdb("<html>404 Not Found</html>\n");
  EXPECT_EQ("", u.error);
  EXPECT_EQ("mmdb", u.format);
  EXPECT_EQ("<html>404 Not Found</html>\n", u.mmdb);
}

TEST_F(MmdbUpdateTest, InstallReplacesAtomically) {
  std::string path = dir_ + "/country.mmdb";
  WriteAll(path, "old");
  ::chmod(path.c_str(), 0600);
  std::string type;
  EXPECT_EQ("", InstallMmdb(path, Country(), MmdbKind::kCountry, &type));
  EXPECT_EQ("GeoLite2-Country", type);
  EXPECT_EQ(Country(), ReadAll(path));
  struct stat st;
  ASSERT_EQ(0, ::stat(path.c_str(), &st));
  EXPECT_EQ(0644u, st.st_mode & 07777);
  EXPECT_EQ(std::vector<std::string>{"country.mmdb"}, Entries());
  // A new file where there was none.
  EXPECT_EQ("", InstallMmdb(dir_ + "/asn.mmdb", Asn(), MmdbKind::kAsn, nullptr));
  EXPECT_EQ(Asn(), ReadAll(dir_ + "/asn.mmdb"));
}

TEST_F(MmdbUpdateTest, InstallFailureKeepsTheOldFile) {
  std::string path = dir_ + "/country.mmdb";
  WriteAll(path, Country());
  const std::string old = Country();
  struct Case {
    std::string data;
    MmdbKind kind;
    const char* prefix;
  };
  std::vector<Case> cases = {
      {"", MmdbKind::kCountry, "not a MaxMind DB: "},
      {"<html>nope</html>", MmdbKind::kCountry, "not a MaxMind DB: "},
      {Asn().substr(0, Asn().size() - 20), MmdbKind::kAsn, "not a MaxMind DB: "},
      {Asn().substr(0, 300), MmdbKind::kAsn, "not a MaxMind DB: "},
      {Asn(), MmdbKind::kCountry, "wrong database type: "},
      {Country(), MmdbKind::kAsn, "wrong database type: "},
  };
  for (const Case& c : cases) {
    std::string type = "unchanged";
    std::string err = InstallMmdb(path, c.data, c.kind, &type);
    EXPECT_EQ(0u, err.rfind(c.prefix, 0)) << err;
    EXPECT_EQ(std::string::npos, err.find(".new-")) << "temp name leaked: " << err;
    EXPECT_EQ("unchanged", type);
    EXPECT_EQ(old, ReadAll(path));
    EXPECT_EQ(std::vector<std::string>{"country.mmdb"}, Entries()) << "temp file left behind";
  }
  std::string err = InstallMmdb(dir_ + "/no/such/dir/x.mmdb", Country(), MmdbKind::kCountry);
  EXPECT_EQ(dir_ + "/no/such/dir/x.mmdb: No such file or directory", err);
}

TEST_F(MmdbUpdateTest, InstallIntoUnwritableDirectory) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  std::string path = dir_ + "/country.mmdb";
  WriteAll(path, "old");
  ::chmod(dir_.c_str(), 0555);
  std::string err = InstallMmdb(path, Country(), MmdbKind::kCountry);
  ::chmod(dir_.c_str(), 0755);
  EXPECT_EQ(path + ": Permission denied", err);
  EXPECT_EQ("old", ReadAll(path));
}

TEST_F(MmdbUpdateTest, FetchFileUrls) {
  std::string src = dir_ + "/src.mmdb";
  WriteAll(src, Country());
  Fetched f = FetchUrl("file://" + src, {});
  EXPECT_EQ("", f.error);
  EXPECT_EQ(Country(), f.data);
  FetchOptions small;
  small.max_bytes = 100;
  Fetched big = FetchUrl("file://" + src, small);
  EXPECT_EQ("larger than 100 bytes", big.error);
  EXPECT_EQ("", big.data);
  Fetched missing = FetchUrl("file://" + dir_ + "/nope.mmdb", {});
  EXPECT_NE("", missing.error);
  EXPECT_EQ("unsupported URL (http://, https:// and file:// only)",
            FetchUrl("ftp://127.0.0.1/x.mmdb", {}).error);
  EXPECT_EQ("unsupported URL (http://, https:// and file:// only)", FetchUrl(src, {}).error);
}

TEST_F(MmdbUpdateTest, FetchConnectionRefused) {
  // Port 1 on loopback: nothing listens there in a test environment.
  FetchOptions opt;
  opt.timeout_s = 5;
  Fetched f = FetchUrl("http://127.0.0.1:1/x.mmdb", opt);
  EXPECT_NE("", f.error);
  EXPECT_EQ("", f.data);
}

TEST_F(MmdbUpdateTest, UpdateFromFileUrls) {
  std::string path = dir_ + "/asn.mmdb";
  WriteAll(dir_ + "/dl.tgz", Tar({{"GeoLite2-ASN_1/GeoLite2-ASN.mmdb", Asn()}}, true));
  std::string summary;
  EXPECT_EQ("", UpdateMmdb("file://" + dir_ + "/dl.tgz", path, MmdbKind::kAsn, {}, &summary));
  EXPECT_EQ("GeoLite2-ASN, " + std::to_string(Asn().size()) + " bytes, from tar.gz", summary);
  EXPECT_EQ(Asn(), ReadAll(path));

  WriteAll(dir_ + "/bad.mmdb", "garbage");
  std::string err = UpdateMmdb("file://" + dir_ + "/bad.mmdb", path, MmdbKind::kAsn, {}, nullptr);
  EXPECT_EQ(0u, err.rfind("file://" + dir_ + "/bad.mmdb: not a MaxMind DB: ", 0)) << err;
  EXPECT_EQ(Asn(), ReadAll(path));
  WriteAll(dir_ + "/two.tgz", Tar({{"a.mmdb", Asn()}, {"b.mmdb", Asn()}}, true));
  EXPECT_EQ("file://" + dir_ + "/two.tgz: not a MaxMind DB: archive holds more than one .mmdb file",
            UpdateMmdb("file://" + dir_ + "/two.tgz", path, MmdbKind::kAsn, {}, nullptr));
  EXPECT_EQ(Asn(), ReadAll(path));
}

}  // namespace
}  // namespace mls
