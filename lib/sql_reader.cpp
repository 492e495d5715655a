#include "sql_reader.h"

#include "sql_mysql.h"
#include "sql_postgresql.h"
#include "sql_sqlite.h"

namespace mls {

SqlConnection DatabaseConnection(const Config& c) {
  SqlConnection db;
  db.dialect = ParseSqlDialect(c.db_type).value_or(SqlDialect::kSqlite);
  if (db.dialect == SqlDialect::kSqlite) {
    db.name = c.db_name.empty() ? c.working_dir + "/maillogsentinel.sqlite" : c.db_name;
    return db;
  }
  db.name = c.db_name;
  db.host = c.db_host;
  db.port = c.db_port;
  db.user = c.db_user;
  db.password = c.db_password;
  db.sslmode = c.DbSslMode();
  db.sslrootcert = c.db_sslrootcert;
  return db;
}

std::optional<std::string> DatabaseConnectionError(const Config& c, std::string_view what) {
  std::optional<SqlDialect> dialect = ParseSqlDialect(c.db_type);
  if (!dialect) return "[database] db_type " + c.db_type + ": not supported by this version";
  if (*dialect != SqlDialect::kSqlite && c.db_name.empty())
    return "[database] db_name is not set: which " + c.db_type + " database " + std::string(what);
  return std::nullopt;
}

SqlReaderOpenResult OpenSqlReader(const SqlConnection& connection) {
  switch (connection.dialect) {
    case SqlDialect::kSqlite:
      return OpenSqliteReader(connection.name);
    case SqlDialect::kMysql:
      return OpenMysqlReader(connection);
    case SqlDialect::kPostgresql:
      return OpenPostgresqlReader(connection);
  }
  return {nullptr, "reading from " + std::string(SqlDialectName(connection.dialect)) +
                       " is not supported by this version"};
}

}  // namespace mls
