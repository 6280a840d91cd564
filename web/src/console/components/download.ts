// CSV and GeoJSON exports: fetched with the session token (a plain link
// cannot send the Authorization header), then saved through a Blob link.
import { api } from '../../shared/api'

export async function downloadExport(kind: string, areaId?: number | null, level?: string | null) {
  const isGeo = kind === 'areas.geojson'
  const text = await api.text(`/api/v1/export/${kind}`, { area_id: areaId ?? undefined, level: level ?? undefined })
  // fetch().text() drops the UTF-8 byte-order mark; put it back so Excel reads the CSV as UTF-8.
  const body = isGeo || text.startsWith('\ufeff') ? text : '\ufeff' + text
  const type = isGeo ? 'application/geo+json' : 'text/csv;charset=utf-8'
  saveText(isGeo ? 'areas.geojson' : `${kind}.csv`, body, type)
}

export function saveText(filename: string, text: string, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
