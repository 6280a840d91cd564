// The database contract: the same behaviour from SQLite and PostgreSQL.
// Runs against PostgreSQL when scripts/with-postgres.sh provides a cluster.
#include <gtest/gtest.h>

#include <thread>

#include "app/schema.hpp"
#include "db/database.hpp"
#include "db/migrations.hpp"
#include "db/sql.hpp"
#include "test_support.hpp"

namespace firstline::db {
namespace {

using testing::Backend;
using testing::TestDatabase;

class DatabaseContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    tdb_ = std::make_unique<TestDatabase>(GetParam());
    if (!tdb_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    db_ = open_database(tdb_->url(), 4);
    auto conn = db_->acquire();
    conn->execute_script(render_migration_sql(
        "CREATE TABLE t (id {{pk}}, name TEXT NOT NULL, score DOUBLE PRECISION, n BIGINT, path TEXT {{bytes_order}});"
        "CREATE UNIQUE INDEX t_name ON t(name);"
        "CREATE TABLE child (id {{pk}}, t_id BIGINT NOT NULL REFERENCES t(id));",
        db_->dialect()));
  }
  std::unique_ptr<TestDatabase> tdb_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseContract, RoundTripsEveryValueKind) {
  auto conn = db_->acquire();
  auto id = conn->query_value("INSERT INTO t (name, score, n) VALUES ($1, $2, $3) RETURNING id",
                              {std::string("社区网格员 \"quoted\""), 36.6, std::int64_t{9007199254740993}});
  ASSERT_TRUE(id);
  auto rs = conn->query("SELECT name, score, n, path FROM t WHERE id = $1", {*id});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(as_text(rs.rows[0][0]), "社区网格员 \"quoted\"");
  EXPECT_DOUBLE_EQ(as_double(rs.rows[0][1]), 36.6);
  EXPECT_EQ(as_int(rs.rows[0][2]), 9007199254740993);
  EXPECT_TRUE(is_null(rs.rows[0][3]));
  EXPECT_EQ(rs.columns[0], "name");
}

TEST_P(DatabaseContract, BindsParametersByNumberWhateverTheirOrder) {
  auto conn = db_->acquire();
  conn->execute("INSERT INTO t (n, name) VALUES ($2, $1)", {std::string("a"), std::int64_t{7}});
  auto v = conn->query_value("SELECT n FROM t WHERE name = $1", {std::string("a")});
  ASSERT_TRUE(v);
  EXPECT_EQ(as_int(*v), 7);
}

TEST_P(DatabaseContract, DuplicateKeyIsAUniqueViolation) {
  auto conn = db_->acquire();
  conn->execute("INSERT INTO t (name) VALUES ($1)", {std::string("x")});
  try {
    conn->execute("INSERT INTO t (name) VALUES ($1)", {std::string("x")});
    FAIL() << "expected a unique violation";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::unique_violation) << e.what();
  }
  // The connection stays usable after the error.
  EXPECT_EQ(as_int(*conn->query_value("SELECT COUNT(*) FROM t")), 1);
}

TEST_P(DatabaseContract, MissingParentIsAForeignKeyViolation) {
  auto conn = db_->acquire();
  try {
    conn->execute("INSERT INTO child (t_id) VALUES ($1)", {std::int64_t{424242}});
    FAIL() << "expected a foreign key violation";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::foreign_key_violation) << e.what();
  }
}

TEST_P(DatabaseContract, ExceptionInsideTransactionRollsBackEverything) {
  auto conn = db_->acquire();
  EXPECT_THROW(in_transaction(*conn, TxMode::write,
                              [&] {
                                conn->execute("INSERT INTO t (name) VALUES ($1)", {std::string("kept?")});
                                throw std::runtime_error("boom");
                              }),
               std::runtime_error);
  EXPECT_EQ(as_int(*conn->query_value("SELECT COUNT(*) FROM t")), 0);
  in_transaction(*conn, TxMode::write, [&] { conn->execute("INSERT INTO t (name) VALUES ('committed')"); });
  EXPECT_EQ(as_int(*conn->query_value("SELECT COUNT(*) FROM t")), 1);
}

TEST_P(DatabaseContract, SubtreeRangeSelectsExactlyTheDescendants) {
  auto conn = db_->acquire();
  for (const char* p : {"/1/", "/1/4/", "/1/4/17/", "/1/40/", "/1/4/17/99/", "/2/"}) {
    conn->execute("INSERT INTO t (name, path) VALUES ($1, $1)", {std::string(p)});
  }
  Sql sql("SELECT name FROM t WHERE ");
  append_subtree_filter(sql, "path", {"/1/4/"});
  sql.append(" ORDER BY name");
  auto rs = conn->query(sql.text(), sql.params());
  std::vector<std::string> names;
  for (auto& r : rs.rows) names.push_back(as_text(r[0]));
  EXPECT_EQ(names, (std::vector<std::string>{"/1/4/", "/1/4/17/", "/1/4/17/99/"}));
}

TEST_P(DatabaseContract, ConcurrentWritersAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        auto conn = db_->acquire();
        for (int i = 0; i < 50; ++i) {
          in_transaction(*conn, TxMode::write, [&] {
            conn->execute("INSERT INTO t (name, n) VALUES ($1, $2)",
                          {std::to_string(t) + "-" + std::to_string(i), std::int64_t{i}});
          });
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto conn = db_->acquire();
  EXPECT_EQ(as_int(*conn->query_value("SELECT COUNT(*) FROM t")), 200);
}

TEST_P(DatabaseContract, MigrationsApplyOnceAndRecordTheVersion) {
  const auto& migrations = app::schema_migrations();
  ASSERT_TRUE(migrate(*db_, migrations));
  ASSERT_TRUE(migrate(*db_, migrations));  // idempotent
  auto conn = db_->acquire();
  EXPECT_EQ(schema_version(*conn), migrations.back().version);
  EXPECT_EQ(as_int(*conn->query_value("SELECT COUNT(*) FROM residents")), 0);
}

TEST_P(DatabaseContract, DatabaseNewerThanTheBinaryIsRefused) {
  const auto& migrations = app::schema_migrations();
  ASSERT_TRUE(migrate(*db_, migrations));
  {
    auto conn = db_->acquire();
    conn->execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)",
                  {std::int64_t{migrations.back().version + 1}});
  }
  auto st = migrate(*db_, migrations);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("newer"), std::string::npos) << st.error().message;
}

TEST_P(DatabaseContract, CommittedRowsSurviveReopening) {
  {
    auto conn = db_->acquire();
    in_transaction(*conn, TxMode::write, [&] { conn->execute("INSERT INTO t (name) VALUES ('durable')"); });
  }
  db_.reset();
  auto again = open_database(tdb_->url(), 1);
  auto conn = again->acquire();
  EXPECT_EQ(as_int(*conn->query_value("SELECT COUNT(*) FROM t WHERE name = 'durable'")), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContract, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::db
