// Risk points of the registry (docs/API.md, "Risk registry"): their shape,
// kinds, the bands of the 5×5 rating and their colours, shared by the risks
// page and its map.

export type Band = 'low' | 'medium' | 'high' | 'critical'

export interface RiskPoint {
  id: number; area_id: number; area_name: string; name: string; kind: string
  latitude: number | null; longitude: number | null
  /** A GeoJSON Polygon or MultiPolygon (or a Feature holding one), or null. */
  polygon: GeoJSON.Geometry | GeoJSON.Feature | null
  description: string
  likelihood: number; impact: number; rating: number; band: Band
  owner_name: string | null; owner_phone: string | null; owner_user_id: number | null
  inspection_interval_days: number; last_inspected_at: string | null; next_inspection_due: string
  overdue: boolean; inspections: number
}

/** What a form being edited puts on the map: its point and its polygon. */
export interface MapDraft {
  latitude: number | null
  longitude: number | null
  polygon: GeoJSON.Geometry | GeoJSON.Feature | null
}

export const KINDS = ['old_building', 'flood_point', 'gas', 'crowded_place', 'hazardous_goods', 'vulnerable_household', 'fire', 'other']
export const BANDS: Band[] = ['low', 'medium', 'high', 'critical']
export const bandOf = (r: number): Band => (r <= 4 ? 'low' : r <= 9 ? 'medium' : r <= 16 ? 'high' : 'critical')
/** Marker colours on the map: stronger than the pale chips of the matrix, same order. */
export const BAND_COLOUR: Record<Band, string> = { low: '#43a047', medium: '#fbc02d', high: '#fb8c00', critical: '#e53935' }

/**
 * A coordinate typed in a form as the API takes it: '' → null, a number →
 * the number, anything else as typed (the server then names the field).
 */
export function coordinate(text: string | number | null): number | string | null {
  if (text === null) return null
  if (typeof text === 'number') return text
  const s = text.trim()
  if (s === '') return null
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : s
}

/** Is [lng, lat] inside a GeoJSON Polygon / MultiPolygon (holes excluded)? */
export function contains(geo: GeoJSON.Geometry | GeoJSON.Feature | null, lng: number, lat: number): boolean {
  if (!geo) return false
  const g = geo.type === 'Feature' ? geo.geometry : geo
  if (!g) return false
  const inRing = (ring: GeoJSON.Position[]) => {
    let inside = false
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]
      const [xj, yj] = ring[j]
      if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
    }
    return inside
  }
  const inPolygon = (rings: GeoJSON.Position[][]) => rings.length > 0 && inRing(rings[0]) && !rings.slice(1).some(inRing)
  if (g.type === 'Polygon') return inPolygon(g.coordinates)
  if (g.type === 'MultiPolygon') return g.coordinates.some(inPolygon)
  return false
}
