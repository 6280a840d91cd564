// Localized text for an error from the server. The server speaks English
// only; this maps its known messages (see the C++ sources: core::invalid,
// FieldReader::fail, core::conflict, ...) to texts in locales/errors.*.json.
// A message not in the table keeps its information: in Chinese a generic text
// for the error code is followed by the server's message in parentheses, in
// English the server's message is shown as it is.
import { ApiError } from './api'
import { i18n } from './i18n'

export type Translate = (key: string, named?: Record<string, unknown>) => string

interface Rule {
  re: RegExp
  key: string
  /** Names for the regex groups, in order; "field" is shown as the field's label. */
  names?: string[]
}

const F = '([\\w.\\[\\]]+)' // a field name as the server writes it, e.g. visitor.name, roles[0].area_id

const rule = (src: string, key: string, ...names: string[]): Rule => ({ re: new RegExp(`^${src}$`), key, names })

// Order matters: specific messages before the general patterns.
const RULES: Rule[] = [
  // identity numbers and other documents
  rule('an identity number has 18 characters', 'id_length'),
  rule('the first 17 characters of an identity number are digits', 'id_digits'),
  rule('the last character must be a digit or X', 'id_last'),
  rule('the birth date in the identity number is not a real date', 'id_date'),
  rule('the birth date in the identity number is in the future', 'id_future'),
  rule('the check character of the identity number is wrong', 'id_check'),
  rule('a document number has 4 to 32 characters', 'doc_length'),
  rule("a document number holds letters, digits and '-' only", 'doc_chars'),
  rule('document_type must be .*', 'doc_type'),
  rule('birth_date differs from the date in the identity number', 'birth_mismatch'),
  rule('sex differs from the identity number', 'sex_mismatch'),
  rule('birth_date must be a real date YYYY-MM-DD', 'birth_date'),
  rule('birth_date is in the future', 'birth_future'),
  // phone numbers
  rule("a phone number holds digits, '\\+', '-' and spaces only", 'phone_chars'),
  rule('a phone number has 5 to 20 digits', 'phone_length'),
  rule('a mobile number starts with 13.19', 'phone_mobile'),
  rule('.*\\b(phone|mobile)\\b.*', 'phone'),
  // enumerations
  rule('sex must be M or F', 'sex'),
  rule('relation must be (.+)', 'relation', 'values'),
  rule('kind must be (?:one of )?(.+)', 'kind', 'values'),
  rule('level must be (.+)', 'level', 'values'),
  rule('language must be zh-CN or en', 'language'),
  rule('unknown tag (.+)', 'tag_unknown', 'tag'),
  rule('unknown role (.+)', 'role_unknown', 'role'),
  // area codes
  rule('a (\\w+) code has (\\d+) digits, got (\\d+)', 'code_length', 'level', 'n', 'got'),
  rule('an area code holds digits only', 'code_digits'),
  rule('code (\\S+) does not extend its parent\'s code (\\S+)', 'code_extend', 'code', 'parent'),
  rule('the parent of a (\\w+) must be a (\\w+) with a (\\d+)-digit code, got "(.*)"', 'code_parent', 'level', 'parent_level', 'n', 'got'),
  rule('the last three digits of a child code cannot be 000', 'code_000'),
  rule('code must be a GB/T 2260 code .*', 'code_format'),
  // accounts
  rule('a username has 3 to 32 characters', 'username_length'),
  rule('a username holds .*', 'username_chars'),
  rule('a password has 8 to 128 characters', 'password_length'),
  rule('the current password is wrong', 'password_current'),
  rule('you cannot disable your own account', 'disable_self'),
  rule('wrong username or password', 'login_failed'),
  rule('too many failed sign-ins for this username; try again in (\\d+) minutes', 'login_locked', 'minutes'),
  rule('the session token is not valid', 'session_invalid'),
  rule('the session was signed out', 'session_invalid'),
  rule('the session has expired; sign in again', 'session_expired'),
  rule('the account is disabled', 'account_disabled'),
  // duplicates
  rule('a resident with this identity document is already registered', 'dup_id_number'),
  rule('this username is taken', 'dup_username'),
  rule('a (building|household) with this address already exists in the grid', 'dup_address', 'what'),
  rule('the code (\\S+) is already used by another area', 'dup_code', 'code'),
  // references and places in the area tree
  rule('no (area|building|household|resident|user|place) (\\S+)', 'no_such', 'what', 'id'),
  rule('(?:buildings, households and residents belong to|a place stands in) a grid', 'needs_grid'),
  rule('the (building|household) is in another grid', 'other_grid', 'what'),
  rule('(.+) is outside your scope', 'outside_scope', 'what'),
  // risk-level rules (PUT /levels/rules): the field names the rule, so the texts do not repeat it
  rule('[\\w.]+\\.high must be at least [\\w.]+\\.medium', 'rule_order'),
  rule('[\\w.]+ is a rate: at most 1', 'rule_rate'),
  rule('[\\w.]+ must be a number at least 0, or null \\(off\\)', 'rule_negative'),
  rule('[\\w.]+ must be a number or null', 'rule_number'),
  rule('unknown (?:rule|signal) (\\S+).*', 'rule_unknown', 'rule'),
  rule('give at least one rule.*', 'rule_empty'),
  rule('only administrators and district officials may (?:change the rules|recompute levels)', 'rule_forbidden'),
  // risk points
  rule('latitude and longitude go together', 'lat_lon_together'),
  rule(`${F} must be (-?\\d+) to (\\d+)`, 'range', 'field', 'min', 'max'),
  rule('owner_phone must be 3 to 20 digits.*', 'owner_phone'),
  rule('an? (?:Multi)?Polygon needs .*', 'polygon_rings'),
  rule('(?:the boundary|polygon) must be a GeoJSON .*', 'polygon_type'),
  // the forecast parameters (GET /epi/forecast, PUT /epi/forecast/parameters)
  rule('observation_share must be a number from 0 to 1', 'observation_share'),
  rule('only administrators, district officials and experts may change the forecast parameters', 'forecast_forbidden'),
  rule(`${F} must be a number from ([\\d.]+) to ([\\d.]+)`, 'number_range', 'field', 'min', 'max'),
  rule(`${F} must be a number of days from ([\\d.]+) to ([\\d.]+)`, 'days_range', 'field', 'min', 'max'),
  // general field rules (FieldReader and the services)
  rule(`${F} and ${F} are required`, 'both_required', 'field', 'field2'),
  rule(`${F} or ${F} is required`, 'either_required', 'field', 'field2'),
  rule(`${F} is required`, 'required', 'field'),
  rule('is required', 'required_here'),
  rule(`${F} must not be empty`, 'required', 'field'),
  rule(`${F} is longer than (\\d+) characters`, 'too_long', 'field', 'n'),
  rule(`${F} is out of range`, 'out_of_range', 'field'),
  rule(`${F} must be an integer(?:, not \\w+)?`, 'integer', 'field'),
  rule(`${F} must be a whole number`, 'integer', 'field'),
  rule(`${F} must be a positive integer`, 'positive_integer', 'field'),
  rule(`${F} must be a number(?:, not \\w+)?`, 'number', 'field'),
  rule(`${F} must be a string(?:, not \\w+)?`, 'string', 'field'),
  rule(`${F} must be true or false(?:, not \\w+)?`, 'boolean', 'field'),
  rule(`${F} contains control characters`, 'control_chars', 'field'),
  rule(`${F} must be a date YYYY-MM-DD`, 'date', 'field'),
  // transport
  rule('network error: .*', 'network'),
]

/** A field's label in the UI language ("visitor.phone" → 电话), or its name. */
function label(field: string): string {
  for (const k of [field, field.split('.').pop() ?? field]) {
    if (i18n.global.te(`field.${k}`)) return String(i18n.global.t(`field.${k}`))
  }
  return field
}

function word(ns: string, v: string): string {
  return i18n.global.te(`${ns}.${v}`) ? String(i18n.global.t(`${ns}.${v}`)) : v
}

interface ErrorLike {
  code?: string
  message: string
  field?: string
}

function asError(e: unknown): ErrorLike | null {
  if (e instanceof ApiError) return { code: e.code, message: e.message, field: e.field }
  if (e && typeof e === 'object' && typeof (e as ErrorLike).message === 'string') {
    const o = e as ErrorLike
    return { code: typeof o.code === 'string' ? o.code : undefined, message: o.message, field: o.field }
  }
  if (typeof e === 'string') return { message: e }
  return null
}

const GENERIC = new Set([
  'bad_request', 'invalid', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'conflict',
  'payload_too_large', 'unsupported_media_type', 'internal', 'network',
])

/** The localized message for an error thrown by the API client (or a rejected item of a batch). */
export function errorText(e: unknown, t: Translate = i18n.global.t as Translate): string {
  const err = asError(e)
  if (!err) return t('errors.generic.internal')
  const message = err.message.trim()
  // ApiError, or a rejected item of a batch ({field, message}); a plain Error is the page's own.
  const isApi = e instanceof ApiError || (typeof e === 'object' && !(e instanceof Error))
  if (typeof e === 'string') return message
  for (const r of RULES) {
    const m = message.match(r.re)
    if (!m) continue
    const named: Record<string, string> = {}
    ;(r.names ?? []).forEach((n, i) => {
      const v = m[i + 1] ?? ''
      named[n] = n.startsWith('field') ? label(v) : n === 'what' ? word('errors.what', v) : n.endsWith('level') ? word('level', v) : v
    })
    return t(`errors.msg.${r.key}`, named)
  }
  // Not in the table: a generic text for the code keeps the server's words.
  if (!isApi) return message
  const code = err.code && GENERIC.has(err.code) ? err.code : err.field ? 'invalid' : 'internal'
  if (String(i18n.global.locale.value) === 'en') return message || t(`errors.generic.${code}`)
  const generic = t(`errors.generic.${code}`)
  return message ? `${generic}（${message}）` : generic
}
