// Rules of places, scans, flows and arrival screening: who may record a scan
// where, validation of every scan of a batch (one bad scan never sinks the
// others), idempotent storage by client event id, risk-area screening, and
// the retention purge. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <random>

#include "core/clock.hpp"
#include "core/periodic_task.hpp"
#include "core/error.hpp"
#include "core/event_hub.hpp"
#include "core/page.hpp"
#include "core/principal.hpp"
#include "db/database.hpp"
#include "movement/movement.hpp"

namespace firstline::movement {

struct MovementOptions {
  int retention_days = 28;            // scans older than this are purged
  core::Millis clock_skew = 5 * 60 * 1000;  // scans this far in the future are still accepted
  int utc_offset_minutes = 480;       // local time of "today" (China Standard Time)
  std::size_t max_batch = 10000;      // scans per request
  std::uint64_t seed = 0;             // place codes; 0 = from std::random_device
  std::string public_url = "http://127.0.0.1:8080";  // how phones reach this server (QR posters)
};

class MovementService {
 public:
  MovementService(db::Database& db, const core::Clock& clock, MovementOptions options = {},
                  core::EventHub* hub = nullptr);

  const MovementOptions& options() const { return options_; }
  /// The service's clock (fake in tests).
  core::Millis now() const { return clock_.now(); }

  // ---- places ----
  /// Creates a place in a grid (write_areas or write_registry on the grid).
  core::Result<Place> create_place(const core::Principal& who, Place in);
  core::Result<Place> get_place(const core::Principal& who, std::int64_t id);
  /// A place by its printed code, for the public scan page (no personal data in it).
  core::Result<Place> find_place_by_code(const std::string& code);
  core::Result<core::Page<Place>> list_places(const core::Principal& who, const PlaceQuery& q);
  core::Result<Place> update_place(const core::Principal& who, std::int64_t id, const PlacePatch& patch);
  core::Status delete_place(const core::Principal& who, std::int64_t id);
  core::Result<Occupancy> place_occupancy(const core::Principal& who, std::int64_t id);
  /// Occupancy summed over the places of an area's subtree.
  core::Result<Occupancy> area_occupancy(const core::Principal& who, std::int64_t area_id);

  // ---- scans ----
  /// Validates and stores a batch. Fails as a whole only for an empty or
  /// oversized batch (payload_too_large); each bad scan is rejected alone.
  core::Result<IngestResult> ingest(const core::Principal& who, const std::vector<ScanInput>& scans,
                                    const std::string& source = "staff");
  /// A visitor's or resident's own scan from the public scan page (no account).
  core::Result<IngestResult> ingest_public(const ScanInput& scan);
  /// Scans (personal data): needs see_personal_data on the place's area, or
  /// being on the place's staff. Audited.
  core::Result<core::Page<Scan>> list_scans(const core::Principal& who, const ScanQuery& q);
  core::Result<std::vector<Flow>> flows(const core::Principal& who, FlowQuery q);

  // ---- risk areas and screening ----
  core::Result<RiskArea> mark_risk_area(const core::Principal& who, RiskArea in);
  core::Result<std::vector<RiskArea>> risk_areas(const core::Principal& who, bool active_only);
  core::Status end_risk_area(const core::Principal& who, std::int64_t id);
  core::Result<core::Page<ScreeningItem>> screening_queue(const core::Principal& who, std::optional<std::int64_t> area_id,
                                                          std::optional<std::string> status,
                                                          std::optional<std::int64_t> after_id, int limit);
  core::Result<ScreeningItem> update_screening(const core::Principal& who, std::int64_t id, const ScreeningPatch& patch);

  // ---- personal passes ----
  /// The caller's own pass, valid kPassHours to kPassHours + 1 hours (the
  /// expiry is rounded up to the hour, so repeated calls within an hour give
  /// the same token). Forbidden for accounts not linked to a resident;
  /// not_found when the resident was deleted.
  core::Result<Pass> my_pass(const core::Principal& who);
  /// The holder of a pass, for staff who may record scans: write_registry on
  /// the holder's grid, or staff of any place (else forbidden). A malformed,
  /// forged or expired token fails invalid on field "token"; a deleted
  /// resident not_found. Audited as read_personal.
  core::Result<PassHolder> resolve_pass(const core::Principal& who, std::string_view token);
  static constexpr int kPassHours = 24;

  // ---- retention ----
  /// Deletes scans older than the retention period; logs and audits the purge. Returns how many.
  std::int64_t purge_expired_scans();
  /// Runs purge_expired_scans once per (clock) day in a background thread,
  /// checking the injected clock every `tick`. Stopped by stop_scheduler() or the destructor.
  void start_scheduler(std::chrono::milliseconds tick = std::chrono::seconds(30));
  void stop_scheduler();
  ~MovementService();

  /// Local midnight before `t`.
  core::Millis day_start(core::Millis t) const;

 private:
  struct PlaceRef {
    std::int64_t area_id;
    std::string path;
  };
  std::optional<PlaceRef> place_ref(db::Connection& conn, std::int64_t place_id);
  core::Result<std::string> place_path_for_read(db::Connection& conn, const core::Principal& who, const Place& p);
  std::string new_place_code();
  /// The key that signs passes: 32 bytes shared through the settings table, loaded once.
  std::string pass_key(db::Connection& conn);
  std::string sign_pass(db::Connection& conn, std::int64_t resident_id, core::Millis expires_at);
  core::Result<IngestResult> store_batch(db::Connection& conn, const core::Principal* who,
                                         const std::vector<ScanInput>& scans, const std::string& source);

  db::Database& db_;
  const core::Clock& clock_;
  MovementOptions options_;
  core::EventHub* hub_;
  std::mutex cache_mutex_;
  std::map<std::int64_t, PlaceRef> place_cache_;
  core::Millis place_cache_at_ = 0;
  std::mutex pass_key_mutex_;
  std::string pass_key_;  // empty until first use
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
  core::PeriodicTask scheduler_;  // last member: stopped before the others go
};

}  // namespace firstline::movement
