#include "sql_reader.h"

#include "sql_mysql.h"
#include "sql_postgresql.h"
#include "sql_sqlite.h"

namespace mls {

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
