#include "auth/auth_service.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace firstline::auth {
namespace {

TEST(Password, HashVerifiesOnlyTheSamePassword) {
  const auto hash = hash_password("correct horse", HashCost::minimal());
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password("correct horse", hash));
  EXPECT_FALSE(verify_password("correct horsE", hash));
  EXPECT_NE(hash, hash_password("correct horse", HashCost::minimal()));  // salted
}

TEST(Password, TokensAreRandomAndOnlyTheirDigestIsKept) {
  const auto a = new_session_token(), b = new_session_token();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(token_digest(a), token_digest(a));
  EXPECT_NE(token_digest(a), a);
}

class AuthServiceTest : public ::testing::Test {
 protected:
  testing::TestDatabase tdb_{testing::Backend::sqlite};
  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  testing::TestServer server_{tdb_.url(), clock_};
  testing::Seed seed_ = testing::seed_district(server_.app());
  AuthService& auth() { return server_.app().auth(); }
  std::int64_t count(const std::string& sql) {
    auto conn = server_.app().database().acquire();
    return db::as_int(*conn->query_value(sql));
  }
};

TEST_F(AuthServiceTest, LoginStoresOnlyTheTokensDigest) {
  auto s = auth().login("gw1", testing::Seed::kPassword, "127.0.0.1");
  ASSERT_TRUE(s);
  auto conn = server_.app().database().acquire();
  EXPECT_FALSE(conn->query_value("SELECT id FROM sessions WHERE token_hash = $1", {s->token}));
  EXPECT_TRUE(conn->query_value("SELECT id FROM sessions WHERE token_hash = $1", {token_digest(s->token)}));
}

TEST_F(AuthServiceTest, FailedLoginsAreAudited) {
  EXPECT_FALSE(auth().login("gw1", "wrong", "10.0.0.9"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND username = 'gw1'"), 1);
}

TEST_F(AuthServiceTest, RepeatedFailedSignInsLockTheUsernameForAWhile) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth().login("gw1", "guess" + std::to_string(i), "10.0.0.9").error().code,
                                        core::ErrorCode::unauthorized);
  // The sixth attempt is refused even with the right password, over HTTP as 429.
  auto refused = auth().login("gw1", testing::Seed::kPassword, "10.0.0.9");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::too_many_requests);
  EXPECT_NE(refused.error().message.find("15 minutes"), std::string::npos) << refused.error().message;
  auto r = testing::http_request(server_.port(), "POST", "/api/v1/auth/login",
                                 R"({"username":"gw1","password":"password123"})",
                                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 429);
  EXPECT_NE(r.body.find("\"too_many_requests\""), std::string::npos) << r.body;
  // Other accounts sign in as usual; an unknown name locks the same way (nothing told apart).
  EXPECT_TRUE(auth().login("gw2", testing::Seed::kPassword, "10.0.0.9"));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(auth().login("nobody", "x", "10.0.0.9"));
  EXPECT_EQ(auth().login("nobody", "x", "10.0.0.9").error().code, core::ErrorCode::too_many_requests);
  // Once the first failures are 15 minutes old, the right password works again.
  clock_.advance(15LL * 60 * 1000 + 1);
  EXPECT_TRUE(auth().login("gw1", testing::Seed::kPassword, "10.0.0.9"));
}

TEST_F(AuthServiceTest, AuthenticateBuildsThePrincipalWithAreaPaths) {
  auto s = auth().login("staff", testing::Seed::kPassword, "");
  ASSERT_TRUE(s);
  auto p = auth().authenticate(s->token);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->grants.size(), 1u);
  EXPECT_EQ(p->grants[0].role, core::Role::community_staff);
  auto community = server_.app().areas().get(testing::admin_principal(), seed_.community1);
  EXPECT_EQ(p->grants[0].area_path, community->path);
}

TEST_F(AuthServiceTest, ExpiredAndRevokedSessionsAreRefused) {
  auto s = auth().login("gw1", testing::Seed::kPassword, "");
  ASSERT_TRUE(s);
  ASSERT_TRUE(auth().logout(s->token));
  EXPECT_EQ(auth().authenticate(s->token).error().code, core::ErrorCode::unauthorized);
  auto t = auth().login("gw1", testing::Seed::kPassword, "");
  clock_.advance(12LL * 3600 * 1000);
  EXPECT_FALSE(auth().authenticate(t->token));
}

TEST_F(AuthServiceTest, APasswordChangeNeedsTheCurrentPassword) {
  auto s = auth().login("gw1", testing::Seed::kPassword, "");
  auto p = *auth().authenticate(s->token);
  auto wrong = auth().update_me(p, std::nullopt, std::string("new-password-1"), std::string("bad"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field, "current_password");
  ASSERT_TRUE(auth().update_me(p, std::nullopt, std::string("new-password-1"), std::string(testing::Seed::kPassword)));
  EXPECT_TRUE(auth().login("gw1", "new-password-1", ""));
  EXPECT_FALSE(auth().login("gw1", testing::Seed::kPassword, ""));
}

TEST_F(AuthServiceTest, TheFirstAdministratorIsCreatedOnce) {
  EXPECT_FALSE(auth().ensure_admin("admin", "another-password"));
  EXPECT_TRUE(auth().login("admin", testing::Seed::kPassword, ""));
}

}  // namespace
}  // namespace firstline::auth
