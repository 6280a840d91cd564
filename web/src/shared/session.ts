// The signed-in user, shared by every page.
import { reactive } from 'vue'
import { api, setToken, getToken, type User } from './api'
import { setLanguage } from './i18n'

export const session = reactive<{ user: User | null; loaded: boolean }>({ user: null, loaded: false })

export async function loadSession(): Promise<User | null> {
  if (!getToken()) {
    session.user = null
    session.loaded = true
    return null
  }
  try {
    session.user = await api.get<User>('/api/v1/me')
    setLanguage(session.user.language)
  } catch {
    session.user = null
    setToken(null)
  }
  session.loaded = true
  return session.user
}

export async function login(username: string, password: string): Promise<User> {
  const res = await api.post<{ token: string; user: User }>('/api/v1/auth/login', { username, password })
  setToken(res.token)
  session.user = res.user
  setLanguage(res.user.language)
  return res.user
}

export async function logout() {
  try {
    await api.post('/api/v1/auth/logout')
  } catch {
    /* already gone */
  }
  setToken(null)
  session.user = null
}

export function hasRole(...roles: string[]): boolean {
  return !!session.user?.roles.some((r) => roles.includes(r.role))
}
