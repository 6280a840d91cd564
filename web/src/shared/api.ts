// The one way the web UI talks to the server: JSON over /api/v1 with the
// session token from localStorage. Errors come back as ApiError carrying the
// server's {code, message, field}, so forms can show them next to the field.

export interface Page<T> {
  items: T[]
  next: string | null
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
  ) {
    super(message)
  }
}

const TOKEN_KEY = 'firstline.token'

export function getToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}
export function setToken(token: string | null) {
  if (token) localStorage.setItem(TOKEN_KEY, token)
  else localStorage.removeItem(TOKEN_KEY)
}

type Query = Record<string, string | number | boolean | null | undefined>

export function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const s = params.toString()
  return s ? `${path}?${s}` : path
}

/** Listeners told when the session ends (401), e.g. to go back to login. */
const unauthorizedListeners: Array<() => void> = []
export function onUnauthorized(fn: () => void) {
  unauthorizedListeners.push(fn)
}

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { query?: Query; raw?: boolean; contentType?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = {}
  const token = getToken()
  if (token) headers['Authorization'] = `Bearer ${token}`
  let payload: BodyInit | undefined
  if (body !== undefined) {
    if (typeof body === 'string') {
      payload = body
      headers['Content-Type'] = opts.contentType ?? 'text/plain'
    } else {
      payload = JSON.stringify(body)
      headers['Content-Type'] = 'application/json'
    }
  }
  let res: Response
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body: payload })
  } catch (e) {
    throw new ApiError(0, 'network', 'network error: the server cannot be reached')
  }
  if (res.status === 204) return undefined as T
  if (!res.ok) {
    let code = 'internal'
    let message = res.statusText
    let field: string | undefined
    try {
      const j = await res.json()
      code = j.error?.code ?? code
      message = j.error?.message ?? message
      field = j.error?.field
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && path !== '/api/v1/auth/login') unauthorizedListeners.forEach((fn) => fn())
    throw new ApiError(res.status, code, message, field)
  }
  if (opts.raw) return (await res.text()) as T
  return (await res.json()) as T
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, undefined, { query }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, body ?? {}, { query }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: (path: string) => request<void>('DELETE', path),
  text: (path: string, query?: Query) => request<string>('GET', path, undefined, { query, raw: true }),
  upload: <T>(path: string, text: string, query?: Query) =>
    request<T>('POST', path, text, { query, contentType: 'text/csv' }),
}

// ---- shapes of the API (docs/openapi.yaml) ----

export type Level = 'district' | 'street' | 'community' | 'grid'

export interface AreaCounts {
  grids: number
  buildings: number
  households: number
  households_verified: number
  residents: number
}

export interface Area {
  id: number
  code: string
  local_code: string | null
  name: string
  level: Level
  parent_id: number | null
  path: string
  boundary: GeoJSON.Geometry | GeoJSON.Feature | null
  responsible: string | null
  phone: string | null
  counts?: AreaCounts
}

export interface Household {
  id: number
  area_id: number
  building_id: number | null
  address: string
  head_resident_id: number | null
  phone: string | null
  member_count: number
  verified: boolean
  verified_at: string | null
}

export interface Resident {
  id: number
  area_id: number
  household_id: number | null
  name: string
  document_type: string
  id_number: string | null
  phone: string | null
  birth_date: string | null
  sex: 'M' | 'F' | null
  relation: string | null
  tags: string[]
  masked: boolean
}

export interface RoleGrant {
  role: string
  area_id: number | null
  area_name: string
  area_code: string
}

export interface User {
  id: number
  username: string
  display_name: string
  resident_id: number | null
  language: 'zh-CN' | 'en'
  disabled: boolean
  roles: RoleGrant[]
}

export interface ImportReport {
  kind: string
  rows: number
  created: number
  updated: number
  unchanged: number
  failed: number
  dry_run: boolean
  errors: { line: number; field: string; message: string }[]
}

export interface AuditEntry {
  id: number
  at: string
  user_id: number | null
  username: string
  action: string
  entity: string
  entity_id: number | null
  area_id: number | null
  detail: string
}
