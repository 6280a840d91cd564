// The areas the signed-in user may see, loaded once per session level by
// level (district, street, community, grid) with their rolled-up counts.
// A grid worker gets only their own grid, so nothing here assumes a fixed
// district: the roots are the areas whose parent is not visible.
import { reactive } from 'vue'
import { api, type Area, type Level, type Page } from '../../shared/api'
import { errorText } from '../../shared/errors'
import { session } from '../../shared/session'

export const LEVELS: Level[] = ['district', 'street', 'community', 'grid']
/** At most this many areas per level are loaded (1000 per page). */
const MAX_PAGES_PER_LEVEL = 5

interface AreaStore {
  list: Area[]
  byId: Map<number, Area>
  children: Map<number | null, Area[]>
  roots: Area[]
  truncated: boolean
  loading: boolean
  error: string | null
  userId: number | null
  loadedAt: number
}

export const areas = reactive<AreaStore>({
  list: [],
  byId: new Map(),
  children: new Map(),
  roots: [],
  truncated: false,
  loading: false,
  error: null,
  userId: null,
  loadedAt: 0,
})

let inflight: Promise<void> | null = null

async function fetchAll(): Promise<void> {
  const all: Area[] = []
  let truncated = false
  for (const level of LEVELS) {
    let cursor: string | null = null
    for (let i = 0; i < MAX_PAGES_PER_LEVEL; i++) {
      const page: Page<Area> = await api.get<Page<Area>>('/api/v1/areas', {
        level,
        with_counts: true,
        limit: 1000,
        cursor,
      })
      all.push(...page.items)
      cursor = page.next
      if (!cursor) break
    }
    if (cursor) truncated = true
  }
  all.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  const byId = new Map(all.map((a) => [a.id, a]))
  const children = new Map<number | null, Area[]>()
  const roots: Area[] = []
  for (const a of all) {
    if (a.parent_id !== null && byId.has(a.parent_id)) {
      const list = children.get(a.parent_id) ?? []
      list.push(a)
      children.set(a.parent_id, list)
    } else roots.push(a)
  }
  areas.list = all
  areas.byId = byId
  areas.children = children
  areas.roots = roots
  areas.truncated = truncated
  areas.userId = session.user?.id ?? null
  areas.loadedAt = Date.now()
}

/** Loads the visible areas; cached unless `force` or the user changed. */
export function loadAreas(force = false): Promise<void> {
  const uid = session.user?.id ?? null
  if (!force && areas.loadedAt && areas.userId === uid && !areas.error) return Promise.resolve()
  if (inflight) return inflight
  areas.loading = true
  areas.error = null
  inflight = fetchAll()
    .catch((e) => {
      areas.error = errorText(e)
    })
    .finally(() => {
      areas.loading = false
      inflight = null
    })
  return inflight
}

export function areaName(id: number | null | undefined): string {
  if (id == null) return ''
  return areas.byId.get(id)?.name ?? `#${id}`
}

/** Grids inside an area (the area itself if it is a grid). */
export function gridsUnder(id: number | null): Area[] {
  if (id === null) return areas.list.filter((a) => a.level === 'grid')
  const root = areas.byId.get(id)
  if (!root) return []
  return areas.list.filter((a) => a.level === 'grid' && a.path.startsWith(root.path))
}

/** Depth of an area among the visible ones, for indenting a select. */
export function depth(a: Area): number {
  let d = 0
  let p = a.parent_id
  while (p !== null && areas.byId.has(p)) {
    d++
    p = areas.byId.get(p)!.parent_id
  }
  return d
}
