// Health monitoring and contact tracing: the shapes of the API
// (docs/HEALTH_SPEC.md) and the fixed vocabularies the pages use. Shared by
// the console and the resident portal.
import { getToken } from './api'
import { errorText, type Translate } from './errors'
import { i18n } from './i18n'

export const STATUSES = ['normal', 'observation', 'home_quarantine', 'centralized_isolation', 'confirmed', 'recovered'] as const
export type HealthStatus = (typeof STATUSES)[number]

/** Allowed status changes (from → to); anything else the server refuses with field `status`. */
export const TRANSITIONS: Record<HealthStatus, HealthStatus[]> = {
  normal: ['observation', 'home_quarantine', 'centralized_isolation', 'confirmed'],
  observation: ['normal', 'home_quarantine', 'centralized_isolation', 'confirmed'],
  home_quarantine: ['normal', 'observation', 'centralized_isolation', 'confirmed'],
  centralized_isolation: ['normal', 'observation', 'home_quarantine', 'confirmed'],
  confirmed: ['recovered', 'centralized_isolation'],
  recovered: ['normal', 'observation', 'confirmed'],
}

/** Statuses that report twice a day (slots 1 and 2). */
export const TWICE_A_DAY: HealthStatus[] = ['observation', 'home_quarantine', 'centralized_isolation']

export const SYMPTOMS = [
  'fever', 'cough', 'sore_throat', 'fatigue', 'headache', 'muscle_pain', 'runny_nose', 'diarrhea',
  'loss_of_smell_taste', 'shortness_of_breath', 'chest_pain', 'confusion', 'other',
] as const
/** Serious symptoms raise an alert. */
export const SERIOUS = new Set<string>(['shortness_of_breath', 'chest_pain', 'confusion'])

export const TEST_RESULTS = ['none', 'negative', 'positive'] as const
export type TestResult = (typeof TEST_RESULTS)[number]

/** A temperature at or above this is a fever (°C). */
export const FEVER = 37.3
export const isFever = (t: number | null | undefined) => typeof t === 'number' && t >= FEVER

export const ALERT_KINDS = ['fever', 'serious_symptom', 'positive_test'] as const
export const DEGREES = ['close', 'secondary', 'general'] as const
export type Degree = (typeof DEGREES)[number]

/** Place kinds that count for tracing by default (passing a gate is not co-presence). */
export const PLACE_KINDS = ['checkpoint', 'shop', 'market', 'clinic', 'pharmacy', 'office', 'school', 'transport', 'other'] as const
export const DEFAULT_TRACE_KINDS = PLACE_KINDS.filter((k) => k !== 'checkpoint')

export const RULE_DEFAULTS = { window_days_before: 4, min_overlap_minutes: 15, default_stay_minutes: 30, max_stay_hours: 12 }
export const RULE_LIMITS: Record<keyof typeof RULE_DEFAULTS, [number, number]> = {
  window_days_before: [0, 21],
  min_overlap_minutes: [1, 240],
  default_stay_minutes: [1, 720],
  max_stay_hours: [1, 48],
}

// ---- dates: the server's local time is UTC+8 ----
const OFFSET_MS = 8 * 3600 * 1000

/** Today's date (YYYY-MM-DD) in the server's time zone (UTC+8). */
export function todayCN(now = Date.now()): string {
  return new Date(now + OFFSET_MS).toISOString().slice(0, 10)
}
/** A date `days` before `date` (YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + days)
  return d.toISOString().slice(0, 10)
}
/** The local (UTC+8) date of an ISO timestamp. */
export function dateCN(iso: string): string {
  return new Date(new Date(iso).getTime() + OFFSET_MS).toISOString().slice(0, 10)
}

// ---- shapes ----

export interface HealthReport {
  id: number
  person_id: number
  person_name: string
  area_id: number
  date: string
  slot: number
  temperature: number | null
  symptoms: string[]
  test_result: TestResult
  test_date: string | null
  note: string | null
  source: 'self' | 'staff'
  reported_by: number | string | null
  created_at: string
  updated_at: string
  amendments: number
}

export interface NewReport {
  person_id?: number
  date?: string
  temperature: number | null
  symptoms: string[]
  test_result: TestResult
  test_date?: string
  slot?: number
  note?: string
}

export interface Rejected {
  index: number
  code: string
  field?: string
  message: string
}

export interface HealthAlert {
  id: number
  person_id: number
  person_name: string
  area_id: number
  report_id: number | null
  kind: string
  detail: string | null
  created_at: string
  status: 'open' | 'handled'
  handled_by: number | string | null
  handled_at: string | null
  note: string | null
}

export interface ReportResult {
  accepted: { index: number; id: number; amended: boolean }[]
  rejected: Rejected[]
  alerts: HealthAlert[]
}

export interface StatusPeriod {
  id: number
  status: HealthStatus
  starts_at: string
  ends_at: string | null
  planned_end: string | null
  reason: string | null
  set_by: number | null
  set_by_name: string | null
  set_at: string
  run_id: number | null
}

export interface PersonHealth {
  person: { id: number; name: string; area_id: number; household_id: number | null }
  status: StatusPeriod | null
  statuses: StatusPeriod[]
  reports: HealthReport[]
  alerts: HealthAlert[]
  contacts: { run_id: number; case_person_id: number; degree: Degree; via_person_id: number | null }[]
}

export interface DailyItem {
  person_id: number
  name: string
  area_id: number
  status: HealthStatus
  required: number
  reported: number
  unwell: boolean
  temperature: number | null
  symptoms: string[]
  test_result: TestResult | null
}
export interface DailySummary {
  expected: number
  reported: number
  missing: number
  unwell: number
  rate: number
}

export interface CompletenessChild {
  area_id: number
  name: string
  code: string
  level: string
  expected: number
  reported: number
  rate: number
  flagged: boolean
}
export interface Completeness {
  area_id: number
  date: string
  expected: number
  reported: number
  rate: number
  children: CompletenessChild[]
  /** Every grid of the subtree that has residents (for colouring the map). */
  grids?: GridCompleteness[]
}
export interface GridCompleteness {
  area_id: number
  expected: number
  reported: number
  rate: number
  flagged: boolean
}
export interface MissingFlag {
  id: number
  area_id: number
  area_name: string
  date: string
  expected: number
  missing: number
  created_at: string
}

export interface Evidence {
  place_id: number
  place_name?: string
  start: string
  end: string
  minutes: number
}
export interface TraceContact {
  person_id: number | null
  visitor_id: number | null
  name: string | null
  area_id: number | null
  household_id: number | null
  degree: Degree
  via_person_id: number | null
  relation: 'household' | 'co-presence'
  status: HealthStatus | null
  evidence: Evidence[]
}
/** What the tracing map needs of a place (GET /api/v1/places/{id}). */
export interface PlaceInfo {
  id: number
  name: string
  kind: string
  area_id: number
  latitude: number | null
  longitude: number | null
}
export interface TracingRules {
  window_days_before: number
  min_overlap_minutes: number
  default_stay_minutes: number
  max_stay_hours: number
  place_kinds?: string[]
  [k: string]: unknown
}
export interface TracingRun {
  id: number
  person_id: number
  person_name: string
  onset_date: string
  rules: TracingRules
  window_start: string
  window_end: string | null
  created_at: string
  created_by: number | null
  created_by_name: string | null
  counts: { close: number; secondary: number; general: number }
  case_stays?: { place_id: number; place_name: string; start: string; end: string }[]
  contacts?: TraceContact[]
}

/** Rate as a whole percentage; the server may send 0..1 or 0..100. */
export function percent(rate: number | null | undefined, reported?: number, expected?: number): number {
  if (typeof expected === 'number' && typeof reported === 'number') return expected > 0 ? Math.round((100 * reported) / expected) : 100
  if (typeof rate !== 'number' || !Number.isFinite(rate)) return 0
  return Math.round(rate <= 1 ? rate * 100 : rate)
}

/**
 * A live stream of the `health` topic: calls `onChange` (debounced) on any
 * event, and `onLive` when the connection opens or drops. Returns a closer.
 */
export function healthStream(onChange: () => void, onLive: (live: boolean) => void, ms = 400): () => void {
  const token = getToken()
  if (!token || typeof EventSource === 'undefined') return () => {}
  const source = new EventSource(`/api/v1/events?topic=health&token=${encodeURIComponent(token)}`)
  let timer: ReturnType<typeof setTimeout> | undefined
  const fire = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(onChange, ms)
  }
  let opened = false
  source.onopen = () => {
    onLive(true)
    // After a reconnect, events may have been missed.
    if (opened) fire()
    opened = true
  }
  source.onerror = () => onLive(false)
  source.onmessage = fire
  // Any event on the topic means "something changed": refresh.
  for (const name of HEALTH_EVENTS) source.addEventListener(name, fire)
  return () => {
    if (timer) clearTimeout(timer)
    source.close()
  }
}
/** The events the server sends on the `health` topic (src/health/health_service.cpp). */
export const HEALTH_EVENTS = ['alert', 'missed_reports']

// ---- the health routes' own messages, in the reader's language ----
const HEALTH_RULES: [RegExp, string, string[]][] = [
  [/^temperature must be 34\.0.43\.0 °C$/, 'temperature_range', []],
  [/^date is in the future$/, 'date_future', []],
  [/^date is more than (\d+) days ago$/, 'date_old', ['n']],
  [/^test_date is required with a test result$/, 'test_date_required', []],
  [/^test_date must be a date YYYY-MM-DD, not in the future$/, 'test_date_future', []],
  [/^only people under observation or quarantine report a second time a day$/, 'slot_two', []],
  [/^you may not report for this resident$/, 'not_yours', []],
  [/^unknown symptom '(.+)'$/, 'symptom_unknown', ['code']],
  [/^a person who is (\w+) cannot become (\w+)$/, 'transition', ['from', 'to']],
  [/^starts_at is in the future$/, 'starts_future', []],
  [/^starts_at is before the start of the current status$/, 'starts_before', []],
  [/^onset_date is in the future$/, 'onset_future', []],
  [/^(window_days_before|min_overlap_minutes|default_stay_minutes|max_stay_hours) must be (\d+)\.\.(\d+)$/, 'rule_range', ['field', 'min', 'max']],
  [/^place_kinds needs at least one kind$/, 'kinds_empty', []],
  [/^choose at least one contact$/, 'no_contacts', []],
  [/^not a contact of this run that you can see$/, 'not_visible', []],
  [/^you may not (?:trace contacts of|set the health status of) this resident$/, 'not_allowed', []],
  [/^you may not handle this alert$/, 'not_allowed', []],
]

/** errorText, knowing the health and tracing routes' messages too. */
export function healthErrorText(e: unknown, t: Translate = i18n.global.t as Translate): string {
  const message = typeof e === 'object' && e && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message.trim() : ''
  for (const [re, key, names] of HEALTH_RULES) {
    const m = message.match(re)
    if (!m) continue
    const named: Record<string, string> = {}
    names.forEach((n, i) => {
      const v = m[i + 1] ?? ''
      named[n] = n === 'from' || n === 'to' ? t('health.status.' + v)
        : n === 'code' ? v
        : n === 'field' ? t('field.' + v)
        : v
    })
    return t('health.err.' + key, named)
  }
  return errorText(e, t)
}

/** An alert's detail (written by the server in English) in the reader's language. */
export function alertDetail(a: { kind: string; detail: string | null }, t: Translate = i18n.global.t as Translate): string {
  const d = (a.detail ?? '').trim()
  if (!d) return ''
  let m: RegExpMatchArray | null
  if (a.kind === 'fever' && (m = d.match(/^([\d.]+) °C on (\d{4}-\d{2}-\d{2})$/))) return t('health.alert_detail.fever', { t: m[1], date: m[2] })
  if (a.kind === 'positive_test' && (m = d.match(/^positive test on (\d{4}-\d{2}-\d{2})$/))) return t('health.alert_detail.positive', { date: m[1] })
  if (a.kind === 'serious_symptom') {
    const codes = d.split(/,\s*/)
    if (codes.every((c) => (SYMPTOMS as readonly string[]).includes(c))) return codes.map((c) => t('health.symptom.' + c)).join(t('health.person.list_sep'))
  }
  return d
}
