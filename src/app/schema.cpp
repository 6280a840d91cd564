#include "app/schema.hpp"

namespace firstline::app {

const std::vector<db::Migration>& schema_migrations() {
  static const std::vector<db::Migration> migrations = {
      {1, "areas and population registry", R"SQL(
CREATE TABLE areas (
  id {{pk}},
  code TEXT NOT NULL,
  local_code TEXT,
  name TEXT NOT NULL,
  level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),
  parent_id BIGINT REFERENCES areas(id),
  path TEXT {{bytes_order}} NOT NULL,
  boundary TEXT,
  responsible TEXT,
  phone TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE UNIQUE INDEX areas_code ON areas(code);
CREATE INDEX areas_path ON areas(path);
CREATE INDEX areas_parent ON areas(parent_id);

CREATE TABLE buildings (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  name TEXT NOT NULL,
  address TEXT NOT NULL,
  kind TEXT NOT NULL,
  floors INTEGER,
  latitude DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE UNIQUE INDEX buildings_address ON buildings(area_id, address) WHERE deleted_at IS NULL;

CREATE TABLE households (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  building_id BIGINT REFERENCES buildings(id),
  address TEXT NOT NULL,
  head_resident_id BIGINT,
  phone TEXT,
  verified_at BIGINT,
  verified_by BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE UNIQUE INDEX households_address ON households(area_id, address) WHERE deleted_at IS NULL;
CREATE INDEX households_building ON households(building_id);

CREATE TABLE residents (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  household_id BIGINT REFERENCES households(id),
  name TEXT NOT NULL,
  document_type TEXT NOT NULL,
  id_number TEXT,
  phone TEXT,
  birth_date TEXT,
  sex TEXT,
  relation TEXT,
  tags TEXT NOT NULL DEFAULT '',
  verified_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE UNIQUE INDEX residents_document ON residents(document_type, id_number)
  WHERE deleted_at IS NULL AND id_number IS NOT NULL;
CREATE INDEX residents_area ON residents(area_id, id);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_name ON residents(name);
CREATE INDEX residents_phone ON residents(phone);
)SQL"},
      {2, "users, roles, sessions and audit log", R"SQL(
CREATE TABLE users (
  id {{pk}},
  username TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  resident_id BIGINT REFERENCES residents(id),
  language TEXT NOT NULL DEFAULT 'zh-CN',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_username ON users(username);

CREATE TABLE user_roles (
  id {{pk}},
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  area_id BIGINT REFERENCES areas(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX user_roles_user ON user_roles(user_id);

CREATE TABLE sessions (
  id {{pk}},
  user_id BIGINT NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE UNIQUE INDEX sessions_token ON sessions(token_hash);

CREATE TABLE audit_log (
  id {{pk}},
  at BIGINT NOT NULL,
  user_id BIGINT,
  username TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT,
  area_id BIGINT,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_user ON audit_log(user_id, at);
)SQL"},
      {3, "places, checkpoints, scans, risk areas and arrival screening", R"SQL(
CREATE TABLE places (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  code TEXT NOT NULL,
  address TEXT,
  opening_hours TEXT,
  capacity INTEGER,
  latitude DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE UNIQUE INDEX places_code ON places(code);
CREATE INDEX places_area ON places(area_id);

CREATE TABLE place_staff (
  place_id BIGINT NOT NULL REFERENCES places(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (place_id, user_id)
);
CREATE INDEX place_staff_user ON place_staff(user_id);

CREATE TABLE visitors (
  id {{pk}},
  name TEXT NOT NULL,
  phone TEXT,
  document_type TEXT,
  id_number TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX visitors_phone ON visitors(phone);

-- Scans carry no foreign keys: ingest validates places and people itself, and
-- the hot insert path stays one B-tree write per index.
CREATE TABLE scans (
  id {{pk}},
  client_event_id TEXT NOT NULL,
  place_id BIGINT NOT NULL,
  person_id BIGINT,
  visitor_id BIGINT,
  ts BIGINT NOT NULL,
  direction INTEGER NOT NULL,
  temperature DOUBLE PRECISION,
  place_area_id BIGINT NOT NULL,
  home_area_id BIGINT,
  source TEXT NOT NULL,
  recorded_by BIGINT,
  received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX scans_event ON scans(client_event_id);
CREATE INDEX scans_place_ts ON scans(place_id, ts);
CREATE INDEX scans_person_ts ON scans(person_id, ts);
CREATE INDEX scans_ts ON scans(ts);

CREATE TABLE risk_areas (
  id {{pk}},
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT,
  reason TEXT,
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX risk_areas_code ON risk_areas(code);

CREATE TABLE screening_items (
  id {{pk}},
  person_id BIGINT NOT NULL REFERENCES residents(id),
  area_id BIGINT NOT NULL REFERENCES areas(id),
  risk_area_id BIGINT REFERENCES risk_areas(id),
  reason TEXT NOT NULL,
  scan_id BIGINT,
  status TEXT NOT NULL,
  follow_up TEXT,
  note TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  closed_at BIGINT,
  closed_by BIGINT
);
CREATE INDEX screening_area_status ON screening_items(area_id, status);
CREATE UNIQUE INDEX screening_open_person ON screening_items(person_id, risk_area_id) WHERE status <> 'closed';
)SQL"},
      {4, "settings shared by the nodes of one database", R"SQL(
-- Values every `firstline serve` node on this database must agree on, e.g.
-- the key that signs personal passes (created on first use).
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)SQL"},
      {5, "health reports, statuses, alerts, missed-report flags and contact tracing runs", R"SQL(
-- One report per person, local date and slot (slot 2: the afternoon report of
-- people who report twice a day). An amendment keeps the old values in
-- health_report_history.
CREATE TABLE health_reports (
  id {{pk}},
  person_id BIGINT NOT NULL REFERENCES residents(id),
  area_id BIGINT NOT NULL REFERENCES areas(id),
  date TEXT NOT NULL,
  slot INTEGER NOT NULL,
  temperature DOUBLE PRECISION,
  symptoms TEXT NOT NULL DEFAULT '',
  test_result TEXT NOT NULL,
  test_date TEXT,
  note TEXT,
  unwell INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  reported_by BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  amendments INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX health_reports_person_day ON health_reports(person_id, date, slot);
CREATE INDEX health_reports_area_day ON health_reports(area_id, date);
CREATE INDEX health_reports_day ON health_reports(date, person_id);

CREATE TABLE health_report_history (
  id {{pk}},
  report_id BIGINT NOT NULL REFERENCES health_reports(id),
  temperature DOUBLE PRECISION,
  symptoms TEXT NOT NULL,
  test_result TEXT NOT NULL,
  test_date TEXT,
  note TEXT,
  source TEXT NOT NULL,
  reported_by BIGINT,
  reported_at BIGINT NOT NULL,
  changed_at BIGINT NOT NULL
);
CREATE INDEX health_report_history_report ON health_report_history(report_id);

-- Status periods; the current one has no ends_at. No row: "normal".
CREATE TABLE health_statuses (
  id {{pk}},
  person_id BIGINT NOT NULL REFERENCES residents(id),
  status TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT,
  planned_end TEXT,
  reason TEXT NOT NULL,
  set_by BIGINT,
  set_at BIGINT NOT NULL,
  run_id BIGINT
);
CREATE INDEX health_statuses_person ON health_statuses(person_id, starts_at);
CREATE UNIQUE INDEX health_statuses_current ON health_statuses(person_id) WHERE ends_at IS NULL;

CREATE TABLE health_alerts (
  id {{pk}},
  person_id BIGINT NOT NULL REFERENCES residents(id),
  area_id BIGINT NOT NULL REFERENCES areas(id),
  report_id BIGINT NOT NULL REFERENCES health_reports(id),
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  handled_by BIGINT,
  handled_at BIGINT,
  note TEXT
);
CREATE UNIQUE INDEX health_alerts_report_kind ON health_alerts(report_id, kind);
CREATE INDEX health_alerts_area_status ON health_alerts(area_id, status, id);

-- A grid whose expected reports were missing at the deadline hour.
CREATE TABLE health_missed_flags (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  date TEXT NOT NULL,
  expected INTEGER NOT NULL,
  missing INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX health_missed_flags_area_day ON health_missed_flags(area_id, date);
CREATE INDEX health_missed_flags_day ON health_missed_flags(date);

CREATE TABLE tracing_runs (
  id {{pk}},
  person_id BIGINT NOT NULL REFERENCES residents(id),
  area_id BIGINT NOT NULL REFERENCES areas(id),
  onset_date TEXT NOT NULL,
  rules TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  window_end BIGINT,
  case_stays TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by BIGINT
);
CREATE INDEX tracing_runs_person ON tracing_runs(person_id);

-- area_id: the contact's home grid (a visitor: the grid of the first place
-- of exposure); viewers see the contacts inside their scope.
CREATE TABLE tracing_contacts (
  id {{pk}},
  run_id BIGINT NOT NULL REFERENCES tracing_runs(id),
  person_id BIGINT,
  visitor_id BIGINT,
  area_id BIGINT,
  degree TEXT NOT NULL,
  relation TEXT NOT NULL,
  via_person_id BIGINT,
  exposure BIGINT NOT NULL,
  evidence TEXT NOT NULL
);
CREATE INDEX tracing_contacts_run ON tracing_contacts(run_id, id);
CREATE INDEX tracing_contacts_person ON tracing_contacts(person_id);
)SQL"},
      {6, "warnings with their lifecycle and escalation history", R"SQL(
-- A warning is about area_id; current_area_id is where it waits for
-- acknowledgement (area_id, or an ancestor after escalations). escalate_at is
-- the next deadline the scheduler acts on (NULL: none). identifier is the
-- stable CAP identifier, set right after the insert.
CREATE TABLE warnings (
  id {{pk}},
  identifier TEXT,
  area_id BIGINT NOT NULL REFERENCES areas(id),
  current_area_id BIGINT NOT NULL REFERENCES areas(id),
  level TEXT NOT NULL,
  category TEXT NOT NULL,
  event TEXT NOT NULL,
  headline TEXT NOT NULL,
  description TEXT NOT NULL,
  instruction TEXT NOT NULL,
  exercise INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  source TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '[]',
  sender TEXT NOT NULL,
  sender_name TEXT NOT NULL,
  ack_minutes INTEGER NOT NULL,
  ack_due_at BIGINT,
  escalate_at BIGINT,
  escalations INTEGER NOT NULL DEFAULT 0,
  escalated_at BIGINT,
  created_at BIGINT NOT NULL,
  created_by BIGINT,
  sent_at BIGINT,
  sent_by BIGINT,
  expires_at BIGINT,
  acknowledged_at BIGINT,
  acknowledged_by BIGINT,
  handled_at BIGINT,
  handled_by BIGINT,
  closed_at BIGINT,
  closed_by BIGINT,
  cancelled_at BIGINT,
  cancelled_by BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX warnings_identifier ON warnings(identifier);
-- Inboxes: by area (subtree joins), by where a warning waits, by status.
CREATE INDEX warnings_area_status ON warnings(area_id, status, id);
CREATE INDEX warnings_current_area_status ON warnings(current_area_id, status, id);
CREATE INDEX warnings_status ON warnings(status, id);
-- The scheduler's scan for passed acknowledgement deadlines.
CREATE INDEX warnings_escalate_at ON warnings(escalate_at) WHERE status = 'issued';
CREATE INDEX warnings_pending_proposal ON warnings(area_id, level) WHERE status = 'proposed';

-- Every step: who (NULL: the system), when, a note, and where the warning
-- was; escalations name the area they moved it to.
CREATE TABLE warning_events (
  id {{pk}},
  warning_id BIGINT NOT NULL REFERENCES warnings(id),
  action TEXT NOT NULL,
  at BIGINT NOT NULL,
  by_user BIGINT,
  note TEXT,
  area_id BIGINT NOT NULL REFERENCES areas(id),
  escalated_to_area_id BIGINT REFERENCES areas(id)
);
CREATE INDEX warning_events_warning ON warning_events(warning_id, id);
)SQL"},
      {7, "the risk registry: risk points, inspections and inspection photos", R"SQL(
-- A risk point of an area, rated likelihood x impact (1-5 each). The current
-- rating is the latest inspection's (or the one set by hand);
-- next_inspection_due = (last_inspected_at, else created_at) + interval.
-- Location: latitude/longitude, a GeoJSON polygon (text), both or neither.
CREATE TABLE risk_points (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  latitude DOUBLE PRECISION,
  longitude DOUBLE PRECISION,
  polygon TEXT,
  description TEXT NOT NULL DEFAULT '',
  likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
  impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
  owner_name TEXT,
  owner_phone TEXT,
  owner_user_id BIGINT REFERENCES users(id),
  inspection_interval_days INTEGER NOT NULL,
  last_inspected_at BIGINT,
  next_inspection_due BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by BIGINT,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX risk_points_area ON risk_points(area_id, id);
CREATE INDEX risk_points_due ON risk_points(next_inspection_due) WHERE deleted_at IS NULL;

-- Inspections keep the rating before and after, so a point's history of
-- ratings is its inspections in time order.
CREATE TABLE risk_inspections (
  id {{pk}},
  risk_id BIGINT NOT NULL REFERENCES risk_points(id),
  inspected_at BIGINT NOT NULL,
  findings TEXT NOT NULL,
  near_miss INTEGER NOT NULL DEFAULT 0,
  near_miss_note TEXT,
  likelihood INTEGER NOT NULL CHECK (likelihood BETWEEN 1 AND 5),
  impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 5),
  previous_likelihood INTEGER NOT NULL,
  previous_impact INTEGER NOT NULL,
  inspected_by BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX risk_inspections_risk ON risk_inspections(risk_id, inspected_at);

-- Photos of inspections, in the database: data is the image's bytes as
-- base64 text (the database layer has no bytes type); size is the decoded size.
CREATE TABLE risk_photos (
  id {{pk}},
  risk_id BIGINT NOT NULL REFERENCES risk_points(id),
  inspection_id BIGINT NOT NULL REFERENCES risk_inspections(id),
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  data TEXT NOT NULL,
  created_by BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX risk_photos_inspection ON risk_photos(inspection_id, id);
)SQL"},
      {8, "risk levels per area: rules, current levels and their history", R"SQL(
-- Thresholds of the risk-level rules as key=value rows: key "<signal>.medium"
-- or "<signal>.high", value a number or "off". Absent keys take the defaults
-- of src/levels/level.cpp (docs/API.md lists them).
CREATE TABLE level_rules (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  updated_by BIGINT
);

-- The current level of every area computed so far. reasons: one line per
-- reason, "signal|value|threshold|level|child_id|child_name".
CREATE TABLE area_levels (
  area_id BIGINT PRIMARY KEY REFERENCES areas(id),
  level TEXT NOT NULL,
  reasons TEXT NOT NULL,
  computed_at BIGINT NOT NULL,
  changed_at BIGINT NOT NULL
);

-- Every change of an area's level (previous_level NULL: the first computation).
CREATE TABLE area_level_history (
  id {{pk}},
  area_id BIGINT NOT NULL REFERENCES areas(id),
  level TEXT NOT NULL,
  previous_level TEXT,
  reasons TEXT NOT NULL,
  changed_at BIGINT NOT NULL
);
CREATE INDEX area_level_history_area ON area_level_history(area_id, id);

-- Per-grid counts of living residents (the forecast's populations, the
-- level engine's completeness) read this index alone instead of the table.
CREATE INDEX residents_area_live ON residents(area_id, deleted_at);
)SQL"},
      {9, "counts kept on write for the level engine and the forecast: residents per area, reporters per area "
          "and day, grid-to-grid flows per past day",
       R"SQL(
-- Living residents per area, kept by triggers on residents (every writer:
-- the API, imports, the demo, benchmarks).
CREATE TABLE area_population (
  area_id BIGINT PRIMARY KEY REFERENCES areas(id),
  residents BIGINT NOT NULL
);
INSERT INTO area_population (area_id, residents)
  SELECT area_id, COUNT(*) FROM residents WHERE deleted_at IS NULL GROUP BY area_id;

-- People who reported on a local date, per area of their first report that
-- day, kept by a trigger on health_reports (reports are never deleted, and an
-- amendment updates the row in place).
CREATE TABLE health_day_reporters (
  area_id BIGINT NOT NULL REFERENCES areas(id),
  date TEXT NOT NULL,
  reporters BIGINT NOT NULL,
  PRIMARY KEY (area_id, date)
);
INSERT INTO health_day_reporters (area_id, date, reporters)
  SELECT h.area_id, h.date, COUNT(*) FROM health_reports h
  WHERE NOT EXISTS (SELECT 1 FROM health_reports e WHERE e.person_id = h.person_id AND e.date = h.date AND e.id < h.id)
  GROUP BY h.area_id, h.date;

-- Open statuses by status: the few people under observation, quarantined,
-- confirmed... without reading the whole table.
CREATE INDEX health_statuses_open ON health_statuses(status, person_id) WHERE ends_at IS NULL;

-- Distinct residents seen at a place of another grid, per local day (days
-- since 1970-01-01 in local time), home grid and place grid: computed once
-- per past day from scans, when first asked for.
CREATE TABLE grid_flow_days (
  day BIGINT NOT NULL,
  home_area_id BIGINT NOT NULL,
  place_area_id BIGINT NOT NULL,
  people BIGINT NOT NULL,
  PRIMARY KEY (day, home_area_id, place_area_id)
);
-- version: bumped by every write of scans of a day that has passed;
-- computed_version: the version grid_flow_days was computed at (stale when
-- they differ, or when the local-time offset changed).
CREATE TABLE grid_flow_day_state (
  day BIGINT PRIMARY KEY,
  version BIGINT NOT NULL,
  computed_version BIGINT,
  utc_offset_minutes INTEGER
);

{{sqlite}}
CREATE TRIGGER residents_population_insert AFTER INSERT ON residents WHEN NEW.deleted_at IS NULL
BEGIN
  INSERT INTO area_population (area_id, residents) VALUES (NEW.area_id, 1)
    ON CONFLICT (area_id) DO UPDATE SET residents = residents + 1;
END;
CREATE TRIGGER residents_population_update AFTER UPDATE OF area_id, deleted_at ON residents
BEGIN
  UPDATE area_population SET residents = residents - 1 WHERE area_id = OLD.area_id AND OLD.deleted_at IS NULL;
  INSERT INTO area_population (area_id, residents) SELECT NEW.area_id, 1 WHERE NEW.deleted_at IS NULL
    ON CONFLICT (area_id) DO UPDATE SET residents = residents + 1;
END;
CREATE TRIGGER residents_population_delete AFTER DELETE ON residents WHEN OLD.deleted_at IS NULL
BEGIN
  UPDATE area_population SET residents = residents - 1 WHERE area_id = OLD.area_id;
END;
CREATE TRIGGER health_reports_reporters AFTER INSERT ON health_reports
WHEN NOT EXISTS (SELECT 1 FROM health_reports e WHERE e.person_id = NEW.person_id AND e.date = NEW.date
                 AND e.id <> NEW.id)
BEGIN
  INSERT INTO health_day_reporters (area_id, date, reporters) VALUES (NEW.area_id, NEW.date, 1)
    ON CONFLICT (area_id, date) DO UPDATE SET reporters = reporters + 1;
END;
{{end}}
{{postgres}}
CREATE FUNCTION area_population_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    IF OLD.deleted_at IS NULL THEN
      UPDATE area_population SET residents = residents - 1 WHERE area_id = OLD.area_id;
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    IF NEW.deleted_at IS NULL THEN
      INSERT INTO area_population (area_id, residents) VALUES (NEW.area_id, 1)
        ON CONFLICT (area_id) DO UPDATE SET residents = area_population.residents + 1;
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER residents_population AFTER INSERT OR DELETE OR UPDATE OF area_id, deleted_at ON residents
  FOR EACH ROW EXECUTE FUNCTION area_population_track();
CREATE FUNCTION health_reporters_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM health_reports e WHERE e.person_id = NEW.person_id AND e.date = NEW.date
                 AND e.id <> NEW.id) THEN
    INSERT INTO health_day_reporters (area_id, date, reporters) VALUES (NEW.area_id, NEW.date, 1)
      ON CONFLICT (area_id, date) DO UPDATE SET reporters = health_day_reporters.reporters + 1;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER health_reports_reporters AFTER INSERT ON health_reports
  FOR EACH ROW EXECUTE FUNCTION health_reporters_track();
{{end}}
)SQL"},
      {10, "the area of each open health status, kept by triggers: counts by area and status without reading residents",
       R"SQL(
-- The grid of the person a status belongs to: set when a status is written,
-- followed while it is open (moves; NULL once the person is removed), kept
-- when it ends; so counts per area and status read this table alone.
ALTER TABLE health_statuses ADD COLUMN area_id BIGINT;
UPDATE health_statuses SET area_id = (SELECT r.area_id FROM residents r WHERE r.id = health_statuses.person_id
                                      AND (health_statuses.ends_at IS NOT NULL OR r.deleted_at IS NULL));
CREATE INDEX health_statuses_open_area ON health_statuses(status, area_id) WHERE ends_at IS NULL;

{{sqlite}}
CREATE TRIGGER health_statuses_area AFTER INSERT ON health_statuses
BEGIN
  UPDATE health_statuses SET area_id = (SELECT r.area_id FROM residents r WHERE r.id = NEW.person_id
                                        AND r.deleted_at IS NULL)
    WHERE id = NEW.id;
END;
CREATE TRIGGER residents_status_area AFTER UPDATE OF area_id, deleted_at ON residents
BEGIN
  UPDATE health_statuses SET area_id = CASE WHEN NEW.deleted_at IS NULL THEN NEW.area_id END
    WHERE person_id = NEW.id AND ends_at IS NULL;
END;
{{end}}
{{postgres}}
CREATE FUNCTION health_status_area_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.area_id := (SELECT r.area_id FROM residents r WHERE r.id = NEW.person_id AND r.deleted_at IS NULL);
  RETURN NEW;
END $$;
CREATE TRIGGER health_statuses_area BEFORE INSERT ON health_statuses
  FOR EACH ROW EXECUTE FUNCTION health_status_area_fill();
CREATE FUNCTION residents_status_area() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE health_statuses SET area_id = CASE WHEN NEW.deleted_at IS NULL THEN NEW.area_id END
    WHERE person_id = NEW.id AND ends_at IS NULL;
  RETURN NULL;
END $$;
CREATE TRIGGER residents_status_area AFTER UPDATE OF area_id, deleted_at ON residents
  FOR EACH ROW EXECUTE FUNCTION residents_status_area();
{{end}}
)SQL"},
      {11, "failed sign-ins by username, for refusing repeated guesses", R"SQL(
CREATE INDEX audit_log_login_failed ON audit_log(username, at) WHERE action = 'login_failed';
)SQL"},
  };
  return migrations;
}

}  // namespace firstline::app
