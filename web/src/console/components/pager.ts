// "Load more" paging over any list route: keeps the items shown so far and
// the server's `next` cursor. Never fetches more than one page at a time, so
// a district with a million residents pages as cheaply as a grid.
import { ref, shallowRef, type Ref } from 'vue'
import { ApiError, type Page } from '../../shared/api'
import { errorText } from '../../shared/errors'

export interface Pager<T> {
  items: Ref<T[]>
  next: Ref<string | null>
  loading: Ref<boolean>
  /** Error of the first page (the list cannot be shown). */
  error: Ref<string | null>
  /** Error of a later page (the rows so far stay). */
  moreError: Ref<string | null>
  /** The server's field name when the error is about one query parameter. */
  errorField: Ref<string | null>
  loaded: Ref<boolean>
  reload: () => Promise<void>
  more: () => Promise<void>
}

export function usePager<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>): Pager<T> {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const next = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const moreError = ref<string | null>(null)
  const errorField = ref<string | null>(null)
  const loaded = ref(false)
  let generation = 0

  async function load(cursor: string | null) {
    const mine = ++generation
    loading.value = true
    if (!cursor) error.value = null
    moreError.value = null
    errorField.value = null
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      items.value = cursor ? [...items.value, ...page.items] : page.items
      next.value = page.next
      loaded.value = true
    } catch (e) {
      if (mine !== generation) return
      errorField.value = e instanceof ApiError ? e.field ?? null : null
      if (cursor) moreError.value = errorText(e)
      else {
        error.value = errorText(e)
        items.value = []
        next.value = null
      }
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  return {
    items,
    next,
    loading,
    error,
    moreError,
    errorField,
    loaded,
    reload: () => load(null),
    more: () => (next.value && !loading.value ? load(next.value) : Promise.resolve()),
  }
}

/** Calls fn after the user stops typing for `ms`. */
export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms = 300) {
  let t: ReturnType<typeof setTimeout> | undefined
  return (...a: A) => {
    if (t) clearTimeout(t)
    t = setTimeout(() => fn(...a), ms)
  }
}

/** A route query value as text ('' when absent or repeated). */
export const queryText = (v: unknown): string => (typeof v === 'string' ? v : '')
/** A route query value as a positive integer id, or null. */
export const queryId = (v: unknown): number | null => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null)
