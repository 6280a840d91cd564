// Warnings (docs/API.md, "Warnings and CAP 1.2"): the shapes of the API, the
// live `warnings` topic, who may take which step, and the warning routes' own
// messages in the reader's language.
import { getToken, ApiError } from '../../shared/api'
import { errorText, type Translate } from '../../shared/errors'
import { i18n } from '../../shared/i18n'
import { session } from '../../shared/session'
import { areas } from './areas'
import { canIssueWarnings, canRespondWarnings } from './perm'

export const LEVELS = ['blue', 'yellow', 'orange', 'red'] as const
export type WarningLevel = (typeof LEVELS)[number]
export const STATUSES = ['proposed', 'issued', 'acknowledged', 'handled', 'closed', 'cancelled', 'rejected'] as const
export type WarningStatus = (typeof STATUSES)[number]
export const CURRENT: WarningStatus[] = ['issued', 'acknowledged', 'handled']
export const STEPS = ['release', 'acknowledge', 'handle', 'close', 'cancel'] as const
export type Step = (typeof STEPS)[number]
/** Minutes to acknowledge when the issuer gives none (src/warnings). */
export const DEFAULT_ACK: Record<WarningLevel, number> = { red: 15, orange: 30, yellow: 120, blue: 1440 }
/** Suggestions for the event field. */
export const EVENT_SUGGESTIONS = ['疫情风险', '聚集性疫情', '燃气泄漏', '防汛', '火灾隐患', '极端天气', '危房', '危险化学品']

export interface WarningEvent {
  id: number
  action: string
  at: string
  by: number | null
  by_name: string
  note: string | null
  area_id: number
  escalated_to_area_id: number | null
  escalated_at: string | null
}

export interface Warning {
  id: number
  identifier: string
  area_id: number
  area_name: string
  area_code: string
  area_level: string
  current_area_id: number
  current_area_name: string
  level: WarningLevel
  category: string
  event: string
  headline: string
  description: string
  instruction: string
  exercise: boolean
  status: WarningStatus
  source: 'manual' | 'engine'
  reasons: string[]
  sender: string
  sender_name: string
  ack_minutes: number
  ack_due_at: string | null
  escalate_at: string | null
  escalations: number
  escalated_to_area_id: number | null
  escalated_at: string | null
  created_at: string
  created_by: number | null
  sent_at: string | null
  sent_by: number | null
  expires_at: string | null
  acknowledged_at: string | null
  acknowledged_by: number | null
  handled_at: string | null
  handled_by: number | null
  closed_at: string | null
  closed_by: number | null
  cancelled_at: string | null
  cancelled_by: number | null
  updated_at: string
  cap_url: string
  history?: WarningEvent[]
}

/** The `warning` event of the `warnings` topic. */
export interface WarningSignal {
  id: number
  action: string
  status: WarningStatus
  level: WarningLevel
  exercise: boolean
  area_id: number
  current_area_id: number
  path: string
}

export const isEscalated = (w: Pick<Warning, 'area_id' | 'current_area_id'>) => w.current_area_id !== w.area_id
/** Issued and past its acknowledgement deadline. */
export const isOverdue = (w: Pick<Warning, 'status' | 'ack_due_at'>, now: number) =>
  w.status === 'issued' && !!w.ack_due_at && new Date(w.ack_due_at).getTime() < now

/**
 * A live stream of the `warnings` topic: `onSignal` for every `warning`
 * event, `onLive` when the connection opens or drops; after a reconnect
 * `onSignal(null)` (events may have been missed). Returns a closer.
 */
export function warningStream(onSignal: (s: WarningSignal | null) => void, onLive: (live: boolean) => void): () => void {
  const token = getToken()
  if (!token || typeof EventSource === 'undefined') return () => {}
  const source = new EventSource(`/api/v1/events?topic=warnings&token=${encodeURIComponent(token)}`)
  let opened = false
  source.onopen = () => {
    onLive(true)
    if (opened) onSignal(null)
    opened = true
  }
  source.onerror = () => onLive(false)
  source.addEventListener('warning', (e) => {
    try {
      onSignal(JSON.parse((e as MessageEvent).data) as WarningSignal)
    } catch {
      onSignal(null)
    }
  })
  return () => source.close()
}

// ---- who may take a step, as far as the console can tell ----

/** Whether one of the user's grants of these roles covers the area (by its path among the visible areas). */
function covers(areaId: number, roles: string[]): boolean {
  const grants = session.user?.roles.filter((r) => roles.includes(r.role)) ?? []
  if (!grants.length) return false
  if (grants.some((g) => g.area_id === null)) return true
  const area = areas.byId.get(areaId)
  // Unknown area: above the user's grants, unless the list was cut short or not loaded.
  if (!area) return areas.truncated || !areas.loadedAt
  return grants.some((g) => area.path.includes(`/${g.area_id}/`))
}
const ISSUERS = ['admin', 'district_official', 'street_official', 'community_staff']
const RESPONDERS = [...ISSUERS, 'grid_worker']

/** The steps the status allows and the user's roles and scope permit. */
export function allowedSteps(w: Warning): Step[] {
  const issue = canIssueWarnings() && covers(w.area_id, ISSUERS)
  const respond = canRespondWarnings() && covers(w.current_area_id, RESPONDERS)
  const out: Step[] = []
  if (w.status === 'proposed' && issue) out.push('release')
  if (w.status === 'issued' && respond) out.push('acknowledge')
  if (w.status === 'acknowledged' && respond) out.push('handle')
  if (w.status === 'handled' && issue) out.push('close')
  if ((w.status === 'proposed' || CURRENT.includes(w.status)) && issue) out.push('cancel')
  return out
}

// ---- times ----

/** "12 分钟", "2 小时 5 分钟", "3 天" in the reader's language. */
export function durationText(ms: number, t: Translate = i18n.global.t as Translate): string {
  const min = Math.max(1, Math.round(Math.abs(ms) / 60_000))
  if (min < 60) return t('warnings.dur.min', { n: min })
  if (min < 48 * 60) {
    const h = Math.floor(min / 60)
    const m = min % 60
    return m ? t('warnings.dur.h_min', { h, m }) : t('warnings.dur.h', { h })
  }
  return t('warnings.dur.d', { n: Math.round(min / 1440) })
}

// ---- CAP ----

/** An XML document indented two spaces per level; the text as it is when it does not parse. */
export function prettyXml(xml: string): string {
  if (typeof DOMParser === 'undefined') return xml
  const doc = new DOMParser().parseFromString(xml, 'application/xml')
  if (doc.getElementsByTagName('parsererror').length) return xml
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const attr = (s: string) => esc(s).replace(/"/g, '&quot;')
  const lines: string[] = []
  const decl = /^<\?xml[^>]*\?>/.exec(xml.trimStart())
  if (decl) lines.push(decl[0])
  const walk = (el: Element, depth: number) => {
    const pad = '  '.repeat(depth)
    const attrs = Array.from(el.attributes).map((a) => ` ${a.name}="${attr(a.value)}"`).join('')
    const kids = Array.from(el.childNodes).filter((n) => n.nodeType === 1 || (n.nodeType === 3 && n.textContent!.trim()) || n.nodeType === 4)
    if (!kids.length) return void lines.push(`${pad}<${el.tagName}${attrs}/>`)
    if (kids.every((n) => n.nodeType !== 1)) {
      const text = kids.map((n) => (n.nodeType === 4 ? `<![CDATA[${n.textContent}]]>` : esc(n.textContent!.trim()))).join('')
      return void lines.push(`${pad}<${el.tagName}${attrs}>${text}</${el.tagName}>`)
    }
    lines.push(`${pad}<${el.tagName}${attrs}>`)
    for (const n of kids) {
      if (n.nodeType === 1) walk(n as Element, depth + 1)
      else lines.push(`${pad}  ${esc(n.textContent!.trim())}`)
    }
    lines.push(`${pad}</${el.tagName}>`)
  }
  walk(doc.documentElement, 0)
  return lines.join('\n')
}

// ---- the warning routes' own messages ----

const PAST_TO_STEP: Record<string, Step> = {
  released: 'release', acknowledged: 'acknowledge', handled: 'handle', closed: 'close', cancelled: 'cancel', rejected: 'cancel',
}

/** Whether an error is the 409 of a step the status no longer allows (someone else was first). */
export const isStepConflict = (e: unknown) => e instanceof ApiError && e.status === 409

/** errorText, knowing the warning routes' messages too. */
export function warningErrorText(e: unknown, t: Translate = i18n.global.t as Translate): string {
  const message = typeof e === 'object' && e && typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message.trim() : ''
  const status = (s: string) => ((STATUSES as readonly string[]).includes(s) ? t('warnings.status.' + s) : s)
  const verb = (s: string) => t('warnings.verb.' + ((STEPS as readonly string[]).includes(s) ? s : PAST_TO_STEP[s] ?? s))
  let m: RegExpMatchArray | null
  if ((m = message.match(/^a warning that is (\w+) cannot be (\w+)$/))) return t('warnings.err.taken', { status: status(m[1]), verb: verb(m[2]) })
  if (/^the warning changed meanwhile/.test(message)) return t('warnings.err.changed')
  if ((m = message.match(/^you may not (\w+) this warning: it waits at (.+) \(area \d+\)$/))) return t('warnings.err.waits_at', { verb: verb(m[1]), area: m[2] })
  if ((m = message.match(/^you may not (\w+) warnings on this area$/))) return t('warnings.err.not_here', { verb: verb(m[1]) })
  if (/^your roles do not allow issuing warnings$/.test(message)) return t('warnings.err.no_issue')
  if (/^your roles do not allow reading warnings$/.test(message)) return t('warnings.err.no_read')
  if (/^this warning is outside your scope$/.test(message)) return t('warnings.err.outside')
  if ((m = message.match(/^no warning (\d+)$/))) return t('warnings.err.no_warning', { id: m[1] })
  if (/^this proposal has expired/.test(message)) return t('warnings.err.expired')
  if (/^a rejected proposal was never released/.test(message)) return t('warnings.err.no_cap')
  if ((m = message.match(/^ack_minutes must be 1\.\.(\d+)$/))) return t('warnings.err.ack_range', { max: m[1] })
  if ((m = message.match(/^([\w.]+) contains characters that cannot be sent/))) return t('errors.msg.control_chars', { field: t('field.' + m[1]) })
  return errorText(e, t)
}
