// Names of people referred to by id only (a tracing contact's "via", the case
// of a run a person appears in), looked up once each, masked.
import { reactive } from 'vue'
import { api, type Resident } from '../../shared/api'

const names = reactive(new Map<number, string | null>())
const pending = new Set<number>()

/** The person's name, or "#id" until (or unless) it is known. */
export function personName(id: number | null | undefined): string {
  if (id == null) return ''
  return names.get(id) ?? `#${id}`
}

/** Remembers names already at hand (e.g. from a list the page loaded). */
export function knowName(id: number, name: string | null | undefined) {
  if (name) names.set(id, name)
}

/** Looks up the names not yet known; a refusal leaves "#id". */
export async function loadNames(ids: Iterable<number | null | undefined>) {
  const todo = [...new Set([...ids].filter((x): x is number => typeof x === 'number' && !names.has(x) && !pending.has(x)))].slice(0, 50)
  await Promise.all(todo.map(async (id) => {
    pending.add(id)
    try {
      names.set(id, (await api.get<Resident>(`/api/v1/residents/${id}`, { reveal: false })).name)
    } catch {
      names.set(id, null)
    } finally {
      pending.delete(id)
    }
  }))
}
