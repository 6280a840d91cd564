// Risk levels per area (docs/API.md, "Risk levels"): the shapes of
// GET /levels, /levels/history and /levels/rules, and how a reason reads in
// the UI language. The server writes reasons in English ("confirmed 2 ≥ 1 →
// high"); the UI composes them from their fields instead.
import { hasRole } from '../../shared/session'
import type { Translate } from '../../shared/errors'

export type RiskLevel = 'low' | 'medium' | 'high'

/** A signal that reached a threshold, or (signal "child") the sub-area whose level the area takes. */
export interface LevelReason {
  signal: string
  level: RiskLevel
  text: string
  /** null: withheld from a viewer who may not read the area's health data. */
  value?: number | null
  threshold?: number
  area_id?: number
  name?: string
}

export interface AreaLevel {
  area_id: number
  name: string
  code: string
  kind: string
  parent_id: number | null
  level: RiskLevel
  reasons: LevelReason[]
  computed_at: string | null
  changed_at: string | null
}

export interface GridLevel {
  area_id: number
  name: string
  code: string
  level: RiskLevel
  reasons: LevelReason[]
}

/** GET /levels?area_id=: the area, its direct children and (above grids) every grid under it. */
export interface LevelAnswer extends AreaLevel {
  children: AreaLevel[]
  grids: GridLevel[]
}

export interface LevelChange {
  id: number
  area_id: number
  level: RiskLevel
  previous_level: RiskLevel | null
  reasons: LevelReason[]
  changed_at: string
}

/** One signal's thresholds; null: that level is off. */
export interface LevelRule {
  signal: string
  description: string
  medium: number | null
  high: number | null
}

export interface RecomputeSummary {
  areas: number
  changed: number
  proposals: number
  by_level: Record<RiskLevel, number>
  computed_at: string
  milliseconds: number
}

export const RISK_LEVELS: RiskLevel[] = ['low', 'medium', 'high']
export const LEVEL_COLOUR: Record<RiskLevel, string> = { low: '#2e7d32', medium: '#f9a825', high: '#c62828' }

/** Changing the rules and recomputing: administrators and district officials. */
export const canManageLevels = () => hasRole('admin', 'district_official')

/** A threshold or measured value as shown: the missed-report rate as a percentage. */
export function signalValue(signal: string, v: number): string {
  if (signal === 'missed_rate') return `${Math.round(v * 1000) / 10}%`
  return String(Math.round(v * 100) / 100)
}

/** The signal's name in the UI language (the key itself if unknown). */
export function signalName(signal: string, t: Translate, te: (key: string) => boolean): string {
  return te(`levels.signal.${signal}`) ? t(`levels.signal.${signal}`) : signal
}

/** A reason in the UI language: "确诊 2 ≥ 1 → 高风险", "下级最高：第一网格（高风险）". */
export function reasonText(r: LevelReason, t: Translate, te: (key: string) => boolean): string {
  const level = t(`registry.map.level_${r.level}`)
  if (r.signal === 'child') return t('levels.reason_child', { name: r.name ?? `#${r.area_id}`, level })
  if (r.value === undefined || r.threshold === undefined) return r.text
  if (r.value === null) {
    return t('levels.reason_hidden', { signal: signalName(r.signal, t, te), threshold: signalValue(r.signal, r.threshold), level })
  }
  return t('levels.reason', {
    signal: signalName(r.signal, t, te),
    value: signalValue(r.signal, r.value),
    threshold: signalValue(r.signal, r.threshold),
    level,
  })
}
