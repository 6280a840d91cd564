// The risk registry: a point created through the API shows in grid1's
// matrix (its cell's count and colour) and, after a click on the cell, in the
// list; grid1 records an inspection with a near miss and a photo through the
// page, and the point's rating, history and photo follow. On the map grid1
// registers a point by a click, then edits it (a refused phone shown at its
// field, then a new name, rating and an area drawn corner by corner).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts, settled } from './support.mjs'

let env
let gridId
let point

// A 1×1 PNG.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082', 'hex')

before(async () => {
  env = await setup()
  const me = await env.api('grid1', 'GET', '/api/v1/me')
  gridId = me.roles[0].area_id
  point = await env.api('grid1', 'POST', '/api/v1/risks', {
    area_id: gridId, name: `测试危房${Date.now() % 100000}`, kind: 'old_building', likelihood: 4, impact: 5,
    description: '外墙开裂', owner_name: '张工', inspection_interval_days: 14,
  })
  assert.equal(point.band, 'critical')
})
after(async () => { await env?.close() })

test('a new point shows in the matrix; grid1 filters by its cell and records an inspection with a photo', async () => {
  const page = await env.page()
  await env.login(page, 'grid1')
  const nav = page.locator('[data-test="nav-risks"]')
  assert.equal((await nav.innerText()).trim(), texts.zh.risks.nav)
  await nav.click()
  await page.waitForURL((u) => u.pathname === '/risks')

  const cell = page.locator('[data-test="matrix-cell-4-5"]')
  await page.locator('[data-test="matrix-cell-4-5"]:not([data-count="0"])').waitFor()
  assert.ok(Number(await cell.getAttribute('data-count')) >= 1)
  assert.equal(await cell.getAttribute('data-band'), 'critical')
  assert.match(await cell.getAttribute('class'), /critical/)

  await cell.click()
  await page.waitForURL((u) => u.searchParams.get('likelihood') === '4' && u.searchParams.get('impact') === '5')
  const row = page.locator(`[data-test="risk-row"][data-risk-id="${point.id}"]`)
  await row.waitFor()
  await settled(page)
  for (const band of await page.locator('[data-test="risk-row"]').evaluateAll((els) => els.map((e) => e.dataset.band))) {
    assert.equal(band, 'critical', 'the list holds only the clicked cell')
  }

  await row.locator('[data-test="risk-name"]').click()
  const detail = page.locator('[data-test="risk-detail"]')
  await detail.locator('[data-test="detail-rating"][data-rating="20"]').waitFor()
  await detail.locator('[data-test="history-empty"]').waitFor()
  await env.shot(page, 'risks-matrix')

  // A near miss without its note is refused by the server, named in the form.
  const form = detail.locator('[data-test="inspection-form"]')
  await form.locator('[data-test="inspection-findings"]').fill('外墙裂缝已加固，设置警示带')
  await form.locator('[data-test="inspection-likelihood"]').selectOption('2')
  await form.locator('[data-test="inspection-impact"]').selectOption('3')
  await form.locator('[data-test="inspection-near-miss"]').check()
  await form.locator('[data-test="inspection-submit"]').click()
  await form.locator('[data-test="inspection-error"]').waitFor()

  await form.locator('[data-test="inspection-near-miss-note"]').fill('有瓦片坠落，无人受伤')
  await form.locator('[data-test="inspection-photo"]').setInputFiles({ name: 'crack.png', mimeType: 'image/png', buffer: PNG })
  await form.locator('[data-test="inspection-submit"]').click()
  await form.locator('[data-test="inspection-saved"]').waitFor()
  assert.equal(await form.locator('[data-test="inspection-photo-error"]').count(), 0)

  await detail.locator('[data-test="detail-rating"][data-rating="6"]').waitFor()
  const history = detail.locator('[data-test="inspection-row"]')
  await history.first().waitFor()
  assert.equal(await history.count(), 1)
  assert.equal(await history.first().getAttribute('data-rating'), '6')
  await history.first().locator('[data-test="inspection-near-miss-badge"]').waitFor()
  await page.waitForFunction(() => document.querySelector('[data-test="inspection-photo-img"]')?.getAttribute('src')?.startsWith('blob:'))

  // The server agrees, and serves the photo back unchanged.
  const stored = await env.api('grid1', 'GET', `/api/v1/risks/${point.id}`)
  assert.equal(stored.rating, 6)
  assert.equal(stored.band, 'medium')
  assert.equal(stored.overdue, false)
  const inspections = await env.api('grid1', 'GET', `/api/v1/risks/${point.id}/inspections`)
  assert.equal(inspections.items[0].near_miss_note, '有瓦片坠落，无人受伤')
  assert.equal(inspections.items[0].photos.length, 1)
  const token = (await (await fetch(`${env.base}/api/v1/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'grid1', password: 'demo-Passw0rd!' }),
  })).json()).token
  const photo = await fetch(env.base + inspections.items[0].photos[0].url, { headers: { Authorization: `Bearer ${token}` } })
  assert.equal(photo.headers.get('content-type'), 'image/png')
  assert.ok(Buffer.from(await photo.arrayBuffer()).equals(PNG))

  // The matrix moved the point from 4×5 to 2×3.
  await page.locator('[data-test="risk-clear-cell"]').click()
  await page.locator('[data-test="matrix-cell-2-3"]:not([data-count="0"])').waitFor()
  assert.deepEqual(page.errors, [])
})

test('grid1 registers a point by clicking the map, then edits it: a field error first, then a new name, rating and a drawn area', async () => {
  const page = await env.page()
  await env.login(page, 'grid1')
  await page.goto(env.url('/risks'))
  const map = page.locator('[data-test="risk-map"]')
  const grid = map.locator(`path[data-grid-id="${gridId}"]`)
  await grid.waitFor()
  await settled(page)

  // Register: a click in the grid places the point and names the grid as its area.
  await page.locator('[data-test="risk-new"]').click()
  const form = page.locator('[data-test="risk-new-form"]')
  await map.locator('[data-test="risk-map-tools"]').waitFor()
  let box = await grid.boundingBox()
  await page.mouse.click(box.x + box.width * 0.45, box.y + box.height * 0.5)
  await map.locator('[data-test="risk-draft-marker"]').waitFor()
  const lat = Number(await form.locator('input[name="latitude"]').inputValue())
  const lon = Number(await form.locator('input[name="longitude"]').inputValue())
  assert.ok(lat > 0 && lon > 0, `placed at ${lat}, ${lon}`)
  assert.equal(await form.locator('select[name="area_id"]').inputValue(), String(gridId))
  const name = `积水点${Date.now() % 100000}`
  await form.locator('input[name="name"]').fill(name)
  await form.locator('select[name="kind"]').selectOption('flood_point')
  await form.locator('select[name="likelihood"]').selectOption('4')
  await form.locator('select[name="impact"]').selectOption('3')
  await form.locator('[data-test="risk-create"]').click()
  await page.locator('[data-test="detail-name"]', { hasText: name }).waitFor()
  const id = Number(new URL(page.url()).searchParams.get('id'))
  const marker = map.locator(`[data-test="risk-marker"][data-risk-id="${id}"]`)
  await marker.waitFor()
  assert.equal(await marker.getAttribute('data-band'), 'high')
  const created = await env.api('grid1', 'GET', `/api/v1/risks/${id}`)
  assert.deepEqual([created.latitude, created.longitude, created.area_id, created.kind], [lat, lon, gridId, 'flood_point'])

  // Edit: a phone the server refuses is named at its field, and nothing is stored.
  await page.locator('[data-test="risk-edit"]').click()
  const edit = page.locator('[data-test="risk-edit-form"]')
  await edit.locator('input[name="owner_phone"]').fill('12')
  await edit.locator('[data-test="risk-edit-save"]').click()
  const fieldError = edit.locator('[data-test="risk-edit-field-error"][data-field="owner_phone"]')
  await fieldError.waitFor()
  assert.equal((await fieldError.innerText()).trim(), texts.zh.errors.msg.owner_phone)
  assert.match(await edit.locator('input[name="owner_phone"]').getAttribute('class'), /invalid/)
  assert.equal((await env.api('grid1', 'GET', `/api/v1/risks/${id}`)).owner_phone, null)

  // Fixed, renamed, re-rated, and an area drawn by three clicks on the map.
  await edit.locator('input[name="owner_phone"]').fill('010-6512 3456')
  await edit.locator('input[name="name"]').fill(`${name}（东侧）`)
  await edit.locator('select[name="impact"]').selectOption('5')
  await map.locator('[data-test="risk-draw-polygon"]').click()
  box = await grid.boundingBox()
  for (const [x, y] of [[0.2, 0.2], [0.7, 0.25], [0.4, 0.75]]) {
    await page.mouse.click(box.x + box.width * x, box.y + box.height * y)
  }
  await map.locator('[data-test="risk-polygon-count"][data-count="3"]').waitFor()
  await map.locator('[data-test="risk-polygon-finish"]').click()
  await edit.locator('[data-test="risk-edit-polygon"][data-vertices="3"]').waitFor()
  await map.locator('[data-test="risk-draft-shape"]').waitFor()
  await edit.locator('[data-test="risk-edit-save"]').click()
  await page.locator('[data-test="risk-edit-saved"]').waitFor()
  await page.locator('[data-test="detail-rating"][data-rating="20"]').waitFor()
  await map.locator(`[data-test="risk-marker"][data-risk-id="${id}"][data-band="critical"]`).waitFor()
  await map.locator(`[data-test="risk-shape"][data-risk-id="${id}"][data-band="critical"]`).waitFor()
  await env.shot(page, 'risks-map', { fullPage: true })

  const stored = await env.api('grid1', 'GET', `/api/v1/risks/${id}`)
  assert.equal(stored.name, `${name}（东侧）`)
  assert.equal(stored.owner_phone, '010-6512 3456')
  assert.equal(stored.rating, 20)
  assert.deepEqual([stored.latitude, stored.longitude], [lat, lon], 'the point did not move')
  assert.equal(stored.polygon.type, 'Polygon')
  assert.equal(stored.polygon.coordinates[0].length, 4, 'three corners, closed')
  assert.deepEqual(stored.polygon.coordinates[0][0], stored.polygon.coordinates[0][3])
  assert.deepEqual(page.errors, [])
  await page.context().close()
})
