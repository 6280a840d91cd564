// Warnings through the real server on SQLite and PostgreSQL: the lifecycle
// with attribution and times, wrong steps, scope, escalation on fake time,
// proposals, live events, and the CAP 1.2 documents (validated in-process
// against tests/data/cap12.xsd with libxml2) and the Atom feed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <memory>
#include <thread>

#include "test_support.hpp"
#include "warnings/cap_document.hpp"
#include "warnings/warning_service.hpp"

namespace firstline::warnings {
namespace {

namespace json = boost::json;
using testing::Backend;
using testing::Seed;

constexpr core::Millis kMinute = 60 * 1000;

using testing::parse;

std::string str(const json::value& v) { return std::string(v.as_string()); }

// ---- XML: parsing, XPath and the CAP schema, all through libxml2 ----

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Doc read_xml(const std::string& text) {
  return Doc(xmlReadMemory(text.data(), static_cast<int>(text.size()), "doc.xml", nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

// The string value of an XPath expression; prefixes cap: and atom: are bound.
std::string xpath(xmlDoc* doc, const std::string& expr) {
  xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
  xmlXPathRegisterNs(ctx, BAD_CAST "cap", BAD_CAST std::string(kCapNamespace).c_str());
  xmlXPathRegisterNs(ctx, BAD_CAST "atom", BAD_CAST std::string(kAtomNamespace).c_str());
  xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr.c_str(), ctx);
  std::string out;
  if (r) {
    xmlChar* s = xmlXPathCastToString(r);
    out = reinterpret_cast<const char*>(s);
    xmlFree(s);
    xmlXPathFreeObject(r);
  }
  xmlXPathFreeContext(ctx);
  return out;
}

void collect_error(void* sink, const xmlError* e) {
  auto* out = static_cast<std::string*>(sink);
  *out += "line " + std::to_string(e->line) + ": " + (e->message ? e->message : "?");
}

// Schema errors of a CAP document (empty when it is valid).
std::string cap_schema_errors(const std::string& document) {
  const std::string xsd = std::string(FIRSTLINE_SOURCE_DIR) + "/tests/data/cap12.xsd";
  std::string errors;
  xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(xsd.c_str());
  xmlSchemaPtr schema = xmlSchemaParse(pctx);
  xmlSchemaFreeParserCtxt(pctx);
  if (!schema) return "cannot read " + xsd;
  auto doc = read_xml(document);
  if (!doc) {
    errors = "not well-formed XML";
  } else {
    xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(vctx, reinterpret_cast<xmlStructuredErrorFunc>(collect_error), &errors);
    const int rc = xmlSchemaValidateDoc(vctx, doc.get());
    if (rc != 0 && errors.empty()) errors = "invalid (code " + std::to_string(rc) + ")";
    xmlSchemaFreeValidCtxt(vctx);
  }
  xmlSchemaFree(schema);
  return errors;
}

// ---- an open event stream, one raw connection ----

using testing::EventStream;

class WarningApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = std::make_unique<testing::TestDatabase>(GetParam());
    if (!db_->available()) GTEST_SKIP() << "no PostgreSQL test cluster (run under scripts/with-postgres.sh)";
    server_ = std::make_unique<testing::TestServer>(db_->url(), clock_);
    seed_ = testing::seed_district(server_->app());
    admin_ = token("admin");
    staff_ = token("staff");
    gw1_ = token("gw1");
  }
  std::string token(const std::string& user) { return server_->login(user, Seed::kPassword); }
  std::int64_t user_id(const std::string& username) {
    auto conn = server_->app().database().acquire();
    return db::as_int(*conn->query_value("SELECT id FROM users WHERE username = $1", {username}));
  }
  static std::string body(std::int64_t area, const std::string& level, const std::string& extra = "") {
    return R"({"area_id":)" + std::to_string(area) + R"(,"level":")" + level +
           R"(","event":"疫情风险","headline":"第一网格出现确诊病例","description":"12号楼发现一例确诊病例。",)"
           R"("instruction":"减少外出，配合核酸检测。")" +
           extra + "}";
  }
  testing::HttpResponse issue(std::int64_t area, const std::string& level, const std::string& tok,
                              const std::string& extra = "") {
    return server_->post("/api/v1/warnings", body(area, level, extra), tok);
  }
  // Issues and returns the new warning (asserting 201).
  json::value issued(std::int64_t area, const std::string& level, const std::string& tok,
                     const std::string& extra = "") {
    auto r = issue(area, level, tok, extra);
    EXPECT_EQ(r.status, 201) << r.body;
    return parse(r.body);
  }
  testing::HttpResponse step(std::int64_t id, const std::string& what, const std::string& tok,
                             const std::string& note = "") {
    return server_->post("/api/v1/warnings/" + std::to_string(id) + "/" + what,
                         note.empty() ? std::string("{}") : R"({"note":")" + note + "\"}", tok);
  }
  json::value get(std::int64_t id, const std::string& tok) {
    auto r = server_->get("/api/v1/warnings/" + std::to_string(id), tok);
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  std::vector<std::int64_t> inbox(const std::string& tok, const std::string& query = "") {
    std::vector<std::int64_t> ids;
    auto r = server_->get("/api/v1/warnings" + query, tok);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return ids;
    const auto page = parse(r.body);
    for (const auto& w : page.at("items").as_array()) ids.push_back(w.at("id").as_int64());
    return ids;
  }
  std::string cap(std::int64_t id, const std::string& tok) {
    auto r = server_->get("/api/v1/warnings/" + std::to_string(id) + "/cap", tok);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers["content-type"], "application/cap+xml");
    return r.body;
  }
  std::string iso_in(core::Millis delta) { return core::format_iso8601(clock_.now() + delta); }

  // 2026-11-25 16:00 in Beijing.
  core::FakeClock clock_{core::parse_iso8601("2026-11-25T08:00:00Z").value()};
  std::unique_ptr<testing::TestDatabase> db_;
  std::unique_ptr<testing::TestServer> server_;
  Seed seed_;
  std::string admin_, staff_, gw1_;
};

TEST_P(WarningApi, AWarningIsIssuedAtOnceAndEveryStepIsTimedAndAttributed) {
  const auto start = clock_.now();
  auto w = issued(seed_.g1, "red", staff_);
  const auto id = w.at("id").as_int64();
  EXPECT_EQ(str(w.at("status")), "issued");
  EXPECT_EQ(str(w.at("identifier")).rfind("firstline-", 0), 0u);
  EXPECT_TRUE(str(w.at("identifier")).ends_with("-" + std::to_string(id)));
  EXPECT_EQ(str(w.at("sent_at")), core::format_iso8601(start));
  EXPECT_EQ(str(w.at("ack_due_at")), core::format_iso8601(start + 15 * kMinute));  // red: 15 minutes
  EXPECT_EQ(w.at("ack_minutes").as_int64(), 15);
  EXPECT_EQ(w.at("current_area_id").as_int64(), seed_.g1);
  EXPECT_EQ(str(w.at("sender_name")), "阳光社区");  // the issuing unit: the staff's community
  EXPECT_EQ(w.at("created_by").as_int64(), user_id("staff"));

  clock_.advance(4 * kMinute);
  auto ack = step(id, "acknowledge", gw1_, "收到，正在核实");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(str(parse(ack.body).at("status")), "acknowledged");
  EXPECT_TRUE(parse(ack.body).at("escalate_at").is_null());
  clock_.advance(30 * kMinute);
  ASSERT_EQ(step(id, "handle", gw1_, "已组织楼内排查").status, 200);
  clock_.advance(60 * kMinute);
  ASSERT_EQ(step(id, "close", staff_, "风险解除").status, 200);

  auto v = get(id, gw1_);
  EXPECT_EQ(str(v.at("status")), "closed");
  EXPECT_EQ(str(v.at("acknowledged_at")), core::format_iso8601(start + 4 * kMinute));
  EXPECT_EQ(v.at("acknowledged_by").as_int64(), user_id("gw1"));
  EXPECT_EQ(str(v.at("handled_at")), core::format_iso8601(start + 34 * kMinute));
  EXPECT_EQ(v.at("handled_by").as_int64(), user_id("gw1"));
  EXPECT_EQ(str(v.at("closed_at")), core::format_iso8601(start + 94 * kMinute));
  EXPECT_EQ(v.at("closed_by").as_int64(), user_id("staff"));
  const auto& h = v.at("history").as_array();
  ASSERT_EQ(h.size(), 4u);
  const std::vector<std::string> actions = {"issued", "acknowledged", "handled", "closed"};
  const std::vector<std::string> by = {"staff", "gw1", "gw1", "staff"};
  for (std::size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(str(h[i].at("action")), actions[i]);
    EXPECT_EQ(str(h[i].at("by_name")), by[i]);
    EXPECT_EQ(h[i].at("by").as_int64(), user_id(by[i]));
  }
  EXPECT_EQ(str(h[1].at("note")), "收到，正在核实");
  EXPECT_EQ(str(h[1].at("at")), core::format_iso8601(start + 4 * kMinute));
  EXPECT_TRUE(h[0].at("note").is_null());

  // Deadlines by level, and per request.
  EXPECT_EQ(issued(seed_.g1, "orange", staff_).at("ack_minutes").as_int64(), 30);
  EXPECT_EQ(issued(seed_.g1, "yellow", staff_).at("ack_minutes").as_int64(), 120);
  EXPECT_EQ(issued(seed_.g1, "blue", staff_).at("ack_minutes").as_int64(), 24 * 60);
  auto custom = issued(seed_.g1, "blue", staff_, R"(,"ack_minutes":45,"expires_at":")" + iso_in(86400000) + "\"");
  EXPECT_EQ(str(custom.at("ack_due_at")), iso_in(45 * kMinute));
  EXPECT_EQ(str(custom.at("expires_at")), iso_in(86400000));
}

TEST_P(WarningApi, AWrongLifecycleStepIsAConflictAndABadFieldIsNamed) {
  const auto id = issued(seed_.g1, "orange", staff_).at("id").as_int64();
  EXPECT_EQ(step(id, "handle", gw1_).status, 409);  // not acknowledged yet
  EXPECT_EQ(step(id, "close", staff_).status, 409);
  EXPECT_EQ(step(id, "release", staff_).status, 409);  // not a proposal
  ASSERT_EQ(step(id, "acknowledge", gw1_).status, 200);
  auto twice = step(id, "acknowledge", gw1_);
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(str(parse(twice.body).at("error").at("code")), "conflict");
  ASSERT_EQ(step(id, "handle", gw1_).status, 200);
  ASSERT_EQ(step(id, "close", staff_).status, 200);
  EXPECT_EQ(step(id, "handle", gw1_).status, 409);  // handling a closed warning
  EXPECT_EQ(step(id, "cancel", staff_).status, 409);
  EXPECT_EQ(step(id, "acknowledge", gw1_).status, 409);
  EXPECT_EQ(step(999999, "acknowledge", gw1_).status, 404);

  auto field_of = [&](const std::string& b) {
    auto r = server_->post("/api/v1/warnings", b, staff_);
    EXPECT_EQ(r.status, 422) << b << " → " << r.body;
    auto v = parse(r.body);
    return v.at("error").as_object().contains("field") ? str(v.at("error").at("field")) : "";
  };
  EXPECT_EQ(field_of(body(seed_.g1, "purple")), "level");
  EXPECT_EQ(field_of(body(999999, "red")), "area_id");
  EXPECT_EQ(field_of(body(seed_.g1, "red", R"(,"ack_minutes":0)")), "ack_minutes");
  EXPECT_EQ(field_of(body(seed_.g1, "red", R"(,"expires_at":")" + iso_in(-kMinute) + "\"")), "expires_at");
  EXPECT_EQ(field_of(body(seed_.g1, "red", R"(,"expires_at":"tomorrow")")), "expires_at");
  EXPECT_EQ(field_of(body(seed_.g1, "red", R"(,"category":"Weather")")), "category");
  EXPECT_EQ(field_of(R"({"area_id":)" + std::to_string(seed_.g1) +
                     R"(,"level":"red","event":"e","description":"d","instruction":"i"})"),
            "headline");
  EXPECT_EQ(field_of(R"({"area_id":)" + std::to_string(seed_.g1) +
                     R"(,"level":"red","event":"e","headline":"h","description":"  ","instruction":"i"})"),
            "description");
  EXPECT_EQ(server_->post("/api/v1/warnings", body(seed_.g1, "red", R"(,"colour":"red")"), staff_).status, 400);
  auto long_note = step(id, "close", staff_, std::string(501, 'x'));
  EXPECT_EQ(long_note.status, 422);
  EXPECT_EQ(str(parse(long_note.body).at("error").at("field")), "note");
  EXPECT_EQ(server_->get("/api/v1/warnings?status=open", staff_).status, 422);
  EXPECT_EQ(server_->get("/api/v1/warnings?level=pink", staff_).status, 422);
  EXPECT_EQ(server_->get("/api/v1/warnings?colour=red", staff_).status, 400);
}

TEST_P(WarningApi, ScopeDecidesWhoSeesAWarningAndWhoMayAct) {
  const auto grid1 = issued(seed_.g1, "red", staff_).at("id").as_int64();
  auto gw2 = token("gw2"), street = token("street"), volunteer = token("volunteer");
  // Grid 2's worker neither sees nor acknowledges grid 1's warning.
  EXPECT_EQ(server_->get("/api/v1/warnings/" + std::to_string(grid1), gw2).status, 403);
  EXPECT_EQ(step(grid1, "acknowledge", gw2).status, 403);
  EXPECT_EQ(server_->get("/api/v1/warnings/" + std::to_string(grid1) + "/cap", gw2).status, 403);
  EXPECT_TRUE(inbox(gw2).empty());
  EXPECT_EQ(inbox(gw1_), std::vector<std::int64_t>{grid1});
  EXPECT_EQ(inbox(street), std::vector<std::int64_t>{grid1});  // the street sees its grids' warnings
  EXPECT_EQ(inbox(street, "?area_id=" + std::to_string(seed_.g1)), std::vector<std::int64_t>{grid1});
  EXPECT_TRUE(inbox(street, "?area_id=" + std::to_string(seed_.g2)).empty());
  EXPECT_EQ(server_->get("/api/v1/warnings?area_id=" + std::to_string(seed_.g3), street).status, 403);
  // Volunteers read; they neither issue nor acknowledge. Residents do neither.
  EXPECT_EQ(get(grid1, volunteer).at("id").as_int64(), grid1);
  EXPECT_EQ(step(grid1, "acknowledge", volunteer).status, 403);
  EXPECT_EQ(issue(seed_.g1, "red", volunteer).status, 403);
  EXPECT_EQ(server_->get("/api/v1/warnings", token("resident")).status, 403);
  // Grid workers acknowledge but do not issue; staff do not issue outside their community.
  EXPECT_EQ(issue(seed_.g1, "red", gw1_).status, 403);
  EXPECT_EQ(issue(seed_.g3, "red", staff_).status, 403);

  // A street's warning concerns every grid of the street: gw1 sees it, but only
  // the street (or above) acknowledges it where it waits.
  const auto whole_street = issued(seed_.street1, "orange", street).at("id").as_int64();
  EXPECT_EQ(inbox(gw1_), (std::vector<std::int64_t>{whole_street, grid1}));
  EXPECT_EQ(inbox(gw2), std::vector<std::int64_t>{whole_street});
  EXPECT_EQ(step(whole_street, "acknowledge", gw1_).status, 403);
  EXPECT_EQ(step(whole_street, "acknowledge", staff_).status, 403);
  EXPECT_EQ(step(whole_street, "close", staff_).status, 403);
  EXPECT_EQ(step(whole_street, "acknowledge", street).status, 200);
  EXPECT_EQ(inbox(token("district")), (std::vector<std::int64_t>{whole_street, grid1}));
  EXPECT_EQ(inbox(gw1_, "?status=acknowledged"), std::vector<std::int64_t>{whole_street});
  EXPECT_EQ(inbox(gw1_, "?level=red"), std::vector<std::int64_t>{grid1});
  EXPECT_EQ(inbox(gw1_, "?status=current&limit=1").size(), 1u);
}

TEST_P(WarningApi, AnUnacknowledgedWarningEscalatesUpTheTreeOnFakeTime) {
  auto& service = server_->app().warnings();
  const auto start = clock_.now();
  const auto id = issued(seed_.g1, "red", staff_).at("id").as_int64();
  const auto quiet = issued(seed_.g2, "red", staff_).at("id").as_int64();
  ASSERT_EQ(step(quiet, "acknowledge", token("gw2")).status, 200);  // acknowledged in time: never escalates

  clock_.advance(14 * kMinute);
  EXPECT_EQ(service.escalate_overdue(), 0);
  clock_.advance(2 * kMinute);
  EXPECT_EQ(service.escalate_overdue(), 1);  // grid → community
  auto v = get(id, staff_);
  EXPECT_EQ(v.at("current_area_id").as_int64(), seed_.community1);
  EXPECT_EQ(str(v.at("current_area_name")), "阳光社区");
  EXPECT_EQ(v.at("escalations").as_int64(), 1);
  EXPECT_EQ(v.at("escalated_to_area_id").as_int64(), seed_.community1);
  EXPECT_EQ(str(v.at("escalated_at")), core::format_iso8601(start + 16 * kMinute));
  EXPECT_EQ(str(v.at("ack_due_at")), core::format_iso8601(start + 31 * kMinute));  // a new deadline
  const auto& last = v.at("history").as_array().back();
  EXPECT_EQ(str(last.at("action")), "escalated");
  EXPECT_EQ(last.at("area_id").as_int64(), seed_.g1);
  EXPECT_EQ(last.at("escalated_to_area_id").as_int64(), seed_.community1);
  EXPECT_EQ(str(last.at("escalated_at")), core::format_iso8601(start + 16 * kMinute));
  EXPECT_EQ(str(last.at("by_name")), "system");
  // It waits at the community now: the grid worker still sees it but may no longer acknowledge it.
  EXPECT_EQ(get(id, gw1_).at("current_area_id").as_int64(), seed_.community1);
  EXPECT_EQ(step(id, "acknowledge", gw1_).status, 403);

  clock_.advance(15 * kMinute);
  EXPECT_EQ(service.escalate_overdue(), 1);  // community → street
  EXPECT_EQ(get(id, staff_).at("current_area_id").as_int64(), seed_.street1);
  EXPECT_EQ(step(id, "acknowledge", staff_).status, 403);
  clock_.advance(15 * kMinute);
  EXPECT_EQ(service.escalate_overdue(), 1);  // street → district
  auto top = get(id, admin_);
  EXPECT_EQ(top.at("current_area_id").as_int64(), seed_.district);
  EXPECT_EQ(top.at("escalations").as_int64(), 3);
  EXPECT_TRUE(top.at("escalate_at").is_null());  // nothing above a district
  EXPECT_FALSE(top.at("ack_due_at").is_null());
  clock_.advance(60 * kMinute);
  EXPECT_EQ(service.escalate_overdue(), 0);
  std::vector<std::int64_t> path;
  for (const auto& e : top.at("history").as_array()) {
    if (str(e.at("action")) == "escalated") path.push_back(e.at("escalated_to_area_id").as_int64());
  }
  EXPECT_EQ(path, (std::vector<std::int64_t>{seed_.community1, seed_.street1, seed_.district}));
  EXPECT_EQ(step(id, "acknowledge", token("street")).status, 403);
  auto ack = step(id, "acknowledge", token("district"), "区级已接手");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(get(quiet, staff_).at("escalations").as_int64(), 0);
}

TEST_P(WarningApi, TheSchedulerEscalatesOnTheInjectedClock) {
  auto& service = server_->app().warnings();
  const auto id = issued(seed_.g1, "orange", staff_).at("id").as_int64();
  service.start_scheduler(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(get(id, staff_).at("escalations").as_int64(), 0);
  clock_.advance(31 * kMinute);
  int escalations = 0;
  for (int i = 0; i < 400 && escalations == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    escalations = static_cast<int>(get(id, staff_).at("escalations").as_int64());
  }
  service.stop_scheduler();
  EXPECT_EQ(escalations, 1);
  EXPECT_EQ(get(id, staff_).at("current_area_id").as_int64(), seed_.community1);
}

TEST_P(WarningApi, AProposalWaitsForAPersonToReleaseIt) {
  auto& service = server_->app().warnings();
  auto proposed = service.propose(seed_.g1, "orange", "疫情风险上升", "第一网格风险等级升至高", "近7日新增确诊3例。",
                                  {"confirmed cases: 3 in 7 days", "missed-report rate 30%"});
  ASSERT_TRUE(proposed) << proposed.error().message;
  EXPECT_EQ(proposed->status, "proposed");
  EXPECT_EQ(proposed->source, "engine");
  EXPECT_FALSE(proposed->ack_due_at);
  EXPECT_FALSE(proposed->sent_at);
  // The engine proposing again does not pile up proposals.
  auto again = service.propose(seed_.g1, "orange", "疫情风险上升", "第一网格风险等级升至高", "近7日新增确诊4例。",
                               {"confirmed cases: 4 in 7 days"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, proposed->id);
  EXPECT_EQ(again->reasons, std::vector<std::string>{"confirmed cases: 4 in 7 days"});
  EXPECT_FALSE(service.propose(seed_.g1, "crimson", "e", "h", "d", {}));

  const auto id = proposed->id;
  auto v = get(id, gw1_);
  EXPECT_EQ(str(v.at("status")), "proposed");
  EXPECT_EQ(v.at("reasons").as_array().size(), 1u);
  EXPECT_EQ(str(v.at("history").at(0).at("by_name")), "system");
  clock_.advance(6 * 60 * kMinute);
  EXPECT_EQ(service.escalate_overdue(), 0);  // proposals have no deadline
  EXPECT_EQ(step(id, "acknowledge", gw1_).status, 409);
  EXPECT_EQ(step(id, "release", gw1_).status, 403);  // grid workers do not issue
  const auto released_at = clock_.now();
  auto released = step(id, "release", staff_, "核实无误，发布");
  ASSERT_EQ(released.status, 200) << released.body;
  auto r = parse(released.body);
  EXPECT_EQ(str(r.at("status")), "issued");
  EXPECT_EQ(str(r.at("sent_at")), core::format_iso8601(released_at));
  EXPECT_EQ(r.at("sent_by").as_int64(), user_id("staff"));
  EXPECT_EQ(str(r.at("ack_due_at")), core::format_iso8601(released_at + 30 * kMinute));
  EXPECT_EQ(str(r.at("history").at(1).at("action")), "released");
  EXPECT_EQ(step(id, "release", staff_).status, 409);

  // By hand: "propose": true; a rejected proposal has no CAP document.
  auto by_hand = issued(seed_.g1, "yellow", staff_, R"(,"propose":true)");
  EXPECT_EQ(str(by_hand.at("status")), "proposed");
  EXPECT_EQ(str(by_hand.at("source")), "manual");
  const auto hand = by_hand.at("id").as_int64();
  auto rejected = step(hand, "cancel", staff_, "证据不足");
  ASSERT_EQ(rejected.status, 200);
  EXPECT_EQ(str(parse(rejected.body).at("status")), "rejected");
  EXPECT_EQ(step(hand, "release", staff_).status, 409);
  EXPECT_EQ(server_->get("/api/v1/warnings/" + std::to_string(hand) + "/cap", staff_).status, 409);
}

TEST_P(WarningApi, CapDocumentsAreValidCap12) {
  // A normal warning: red maps to Immediate / Extreme / Observed.
  const auto normal = issued(seed_.g1, "red", staff_);
  const auto normal_xml = cap(normal.at("id").as_int64(), gw1_);
  EXPECT_EQ(cap_schema_errors(normal_xml), "") << normal_xml;
  auto doc = read_xml(normal_xml);
  ASSERT_TRUE(doc);
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:identifier)"), str(normal.at("identifier")));
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:sent)"), "2026-11-25T16:00:00+08:00");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:status)"), "Actual");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:msgType)"), "Alert");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:scope)"), "Public");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:language)"), "zh-CN");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:category)"), "Health");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:urgency)"), "Immediate");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:severity)"), "Extreme");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:certainty)"), "Observed");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:senderName)"), "阳光社区");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:area/cap:areaDesc)"), "示范区 幸福街道 阳光社区 第一网格");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:geocode[cap:valueName='GB/T 2260']/cap:value)"), "110105");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:geocode[cap:valueName='firstline:area_code']/cap:value)"),
            "110105001001001");
  EXPECT_EQ(xpath(doc.get(), "count(//cap:polygon)"), "0");  // grid 1 has no boundary

  // An exercise (drill): status Exercise; blue maps to Future / Minor / Possible.
  const auto drill = issued(seed_.g1, "blue", staff_, R"(,"exercise":true,"category":"Safety")");
  const auto drill_xml = cap(drill.at("id").as_int64(), staff_);
  EXPECT_EQ(cap_schema_errors(drill_xml), "") << drill_xml;
  doc = read_xml(drill_xml);
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:status)"), "Exercise");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:category)"), "Safety");
  EXPECT_EQ(xpath(doc.get(), "concat(//cap:urgency, '/', //cap:severity, '/', //cap:certainty)"),
            "Future/Minor/Possible");

  // An area with a polygon boundary: "lat,lon" pairs, the first repeated last.
  auto patched = server_->patch(
      "/api/v1/areas/" + std::to_string(seed_.g2),
      R"({"boundary":{"type":"Polygon","coordinates":[[[116.45,39.92],[116.46,39.92],[116.46,39.93],[116.45,39.93],[116.45,39.92]]]}})",
      admin_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  const auto shaped = issued(seed_.g2, "orange", staff_, R"(,"expires_at":"2026-11-26T08:00:00+08:00")");
  const auto shaped_xml = cap(shaped.at("id").as_int64(), staff_);
  EXPECT_EQ(cap_schema_errors(shaped_xml), "") << shaped_xml;
  doc = read_xml(shaped_xml);
  const auto polygon = xpath(doc.get(), "string(//cap:area/cap:polygon)");
  EXPECT_EQ(polygon, "39.92,116.45 39.92,116.46 39.93,116.46 39.93,116.45 39.92,116.45");
  EXPECT_EQ(polygon.substr(0, polygon.find(' ')), polygon.substr(polygon.rfind(' ') + 1));
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:expires)"), "2026-11-26T08:00:00+08:00");
  EXPECT_EQ(xpath(doc.get(), "concat(//cap:urgency, '/', //cap:severity, '/', //cap:certainty)"),
            "Expected/Severe/Likely");

  // Markup characters, quotes and Chinese arrive as text, not as markup.
  const std::string headline = R"(<b>注意</b> & "引号" 'apos' ]]> 中文)";
  json::object b{{"area_id", seed_.g1},
                 {"level", "yellow"},
                 {"event", "燃气泄漏 & <检修>"},
                 {"headline", headline},
                 {"description", "第1行\n第2行 <script>alert(1)</script> &amp;"},
                 {"instruction", "远离 \"3号楼\" & 保持通风"}};
  auto tricky = server_->post("/api/v1/warnings", json::serialize(b), staff_);
  ASSERT_EQ(tricky.status, 201) << tricky.body;
  const auto tricky_xml = cap(parse(tricky.body).at("id").as_int64(), staff_);
  EXPECT_EQ(cap_schema_errors(tricky_xml), "") << tricky_xml;
  EXPECT_EQ(tricky_xml.find("<script>"), std::string::npos);
  EXPECT_EQ(tricky_xml.find("<b>"), std::string::npos);
  doc = read_xml(tricky_xml);
  ASSERT_TRUE(doc);
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:headline)"), headline);
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:event)"), "燃气泄漏 & <检修>");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:description)"), "第1行\n第2行 <script>alert(1)</script> &amp;");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:instruction)"), "远离 \"3号楼\" & 保持通风");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:urgency)"), "Expected");

  // A cancelled warning: a Cancel message of its own, referring to the original Alert.
  const auto wrong = issued(seed_.g1, "orange", staff_);
  const auto wrong_id = wrong.at("id").as_int64();
  clock_.advance(10 * kMinute);
  ASSERT_EQ(step(wrong_id, "cancel", staff_, "误发").status, 200);
  const auto cancel_xml = cap(wrong_id, staff_);
  EXPECT_EQ(cap_schema_errors(cancel_xml), "") << cancel_xml;
  doc = read_xml(cancel_xml);
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:msgType)"), "Cancel");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:identifier)"), str(wrong.at("identifier")) + "-cancelled");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:sent)"), "2026-11-25T16:10:00+08:00");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:references)"),
            str(wrong.at("sender")) + "," + str(wrong.at("identifier")) + ",2026-11-25T16:00:00+08:00");
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:note)"), "误发");

  // A closed one: an Update with responseType AllClear; a proposal: a Draft.
  const auto done = issued(seed_.g1, "yellow", staff_).at("id").as_int64();
  step(done, "acknowledge", gw1_);
  step(done, "handle", gw1_);
  ASSERT_EQ(step(done, "close", staff_).status, 200);
  const auto closed_xml = cap(done, staff_);
  EXPECT_EQ(cap_schema_errors(closed_xml), "") << closed_xml;
  doc = read_xml(closed_xml);
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:msgType)"), "Update");
  EXPECT_EQ(xpath(doc.get(), "string(//cap:info/cap:responseType)"), "AllClear");
  EXPECT_NE(xpath(doc.get(), "string(/cap:alert/cap:references)"), "");
  const auto draft = issued(seed_.g1, "red", staff_, R"(,"propose":true)").at("id").as_int64();
  const auto draft_xml = cap(draft, staff_);
  EXPECT_EQ(cap_schema_errors(draft_xml), "") << draft_xml;
  doc = read_xml(draft_xml);
  EXPECT_EQ(xpath(doc.get(), "string(/cap:alert/cap:status)"), "Draft");

  // The schema does reject what it should.
  EXPECT_NE(cap_schema_errors(std::string(normal_xml).replace(normal_xml.find("Actual"), 6, "Real")), "");
  auto no_event = normal_xml;
  const auto event_at = no_event.find("<event>");
  no_event.erase(event_at, no_event.find("</event>") + 8 - event_at);
  EXPECT_NE(cap_schema_errors(no_event), "");
  EXPECT_NE(cap_schema_errors(std::string(normal_xml).replace(normal_xml.find("+08:00"), 6, "Z")), "");
}

TEST(CapDocument, TimesAndPolygonsFollowTheStandard) {
  const auto t = core::parse_iso8601("2026-11-25T08:00:00Z").value();
  EXPECT_EQ(cap_time(t, 480), "2026-11-25T16:00:00+08:00");
  EXPECT_EQ(cap_time(t, 0), "2026-11-25T08:00:00-00:00");
  EXPECT_EQ(cap_time(t, -300), "2026-11-25T03:00:00-05:00");
  EXPECT_EQ(cap_time(t + 8 * 3600 * 1000, 480), "2026-11-26T00:00:00+08:00");
  // A MultiPolygon gives one polygon per part; holes are left out; an open ring is closed.
  auto polygons =
      cap_polygons(R"({"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[)"
                   R"([[[116,39],[117,39],[117,40],[116,39]],[[116.1,39.1],[116.2,39.1],[116.2,39.2],[116.1,39.1]]],)"
                   R"([[[118.5,40.25],[118.6,40.25],[118.6,40.35]]]]}})");
  ASSERT_EQ(polygons.size(), 2u);
  EXPECT_EQ(polygons[0], "39,116 39,117 40,117 39,116");
  EXPECT_EQ(polygons[1], "40.25,118.5 40.25,118.6 40.35,118.6 40.25,118.5");
  EXPECT_TRUE(cap_polygons("not json").empty());
  EXPECT_TRUE(cap_polygons(R"({"type":"Point","coordinates":[1,2]})").empty());
  EXPECT_EQ(cap_grade("red").urgency, "Immediate");
  EXPECT_EQ(cap_grade("blue").certainty, "Possible");
}

TEST_P(WarningApi, TheFeedIsWellFormedAtomOfCurrentWarnings) {
  const auto a = issued(seed_.g1, "red", staff_).at("id").as_int64();
  const auto b = issued(seed_.g2, "yellow", staff_, R"(,"exercise":true)").at("id").as_int64();
  const auto gone = issued(seed_.g1, "blue", staff_).at("id").as_int64();
  ASSERT_EQ(step(gone, "cancel", staff_).status, 200);
  issued(seed_.g1, "orange", staff_, R"(,"propose":true)");
  issued(seed_.g1, "blue", staff_, R"(,"expires_at":")" + iso_in(10 * kMinute) + "\"");
  clock_.advance(11 * kMinute);  // the last one has expired

  auto r = server_->get("/api/v1/warnings/feed", staff_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/atom+xml");
  auto doc = read_xml(r.body);
  ASSERT_TRUE(doc) << r.body;
  xmlNode* root = xmlDocGetRootElement(doc.get());
  ASSERT_TRUE(root);
  EXPECT_STREQ(reinterpret_cast<const char*>(root->name), "feed");
  ASSERT_TRUE(root->ns);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(root->ns->href)), std::string(kAtomNamespace));
  EXPECT_EQ(xpath(doc.get(), "count(/atom:feed/atom:entry)"), "2");
  EXPECT_NE(xpath(doc.get(), "string(/atom:feed/atom:id)"), "");
  EXPECT_NE(xpath(doc.get(), "string(/atom:feed/atom:title)"), "");
  EXPECT_NE(xpath(doc.get(), "string(/atom:feed/atom:updated)"), "");
  EXPECT_EQ(xpath(doc.get(), "count(/atom:feed/atom:entry[atom:id and atom:title and atom:updated])"), "2");
  const auto href = [&](std::int64_t id) {
    return xpath(doc.get(),
                 "string(/atom:feed/atom:entry[atom:link[@rel='alternate' and @type='application/cap+xml' "
                 "and contains(@href, '/api/v1/warnings/" +
                     std::to_string(id) + "/cap')]]/atom:link/@href)");
  };
  EXPECT_EQ(href(a), "http://127.0.0.1:8080/api/v1/warnings/" + std::to_string(a) + "/cap");
  EXPECT_NE(href(b), "");
  EXPECT_EQ(href(gone), "");
  EXPECT_NE(xpath(doc.get(), "string(/atom:feed/atom:entry[1]/atom:title)").find("演练"), std::string::npos);
  // Each entry's CAP document is there and valid.
  EXPECT_EQ(cap_schema_errors(cap(b, staff_)), "");
  // The feed is per reader: grid 2's worker gets grid 2's warning only.
  auto gw2 = read_xml(server_->get("/api/v1/warnings/feed", token("gw2")).body);
  ASSERT_TRUE(gw2);
  EXPECT_EQ(xpath(gw2.get(), "count(/atom:feed/atom:entry)"), "1");
  EXPECT_EQ(server_->get("/api/v1/warnings/feed", token("resident")).status, 403);
}

TEST_P(WarningApi, AWarningReachesTheOpenPagesOfItsAreaLiveAndNoOthers) {
  EventStream gw1(server_->port(), "warnings", gw1_), gw2(server_->port(), "warnings", token("gw2"));
  const auto id = issued(seed_.g1, "red", staff_).at("id").as_int64();
  ASSERT_TRUE(gw1.read_until("event: warning", 10000)) << gw1.text();
  EXPECT_NE(gw1.text().find("\"id\":" + std::to_string(id)), std::string::npos);
  EXPECT_NE(gw1.text().find("\"action\":\"issued\""), std::string::npos);
  EXPECT_FALSE(gw2.read_until("event: warning", 300)) << gw2.text();
  clock_.advance(16 * kMinute);
  server_->app().warnings().escalate_overdue();
  ASSERT_TRUE(gw1.read_until("\"action\":\"escalated\"", 10000)) << gw1.text();
  EXPECT_EQ(server_->get("/api/v1/events?topic=warnings&token=" + token("resident")).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, WarningApi, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return testing::backend_name(info.param); });

}  // namespace
}  // namespace firstline::warnings
