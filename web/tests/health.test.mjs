// Health monitoring and contact tracing: a fever reported for a resident of
// grid1's grid shows as unwell and as an alert (a second one arrives live),
// grid1 handles it and records a report; a forbidden status change shows its
// error under the field; a tracing run lists a household member and a person
// met at a shop as close contacts, and the follow-up puts one under
// observation; the resident's own report saves and is amended in the portal.
// Every record the tests rely on is created here through the API.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { setup, texts, settled } from './support.mjs'

let env
let grid
/** A and B live together; C, D and E live elsewhere in the same grid. All start "normal". */
let A, B, C, D, E
let shop

const uuid = () => crypto.randomUUID()
const todayCN = () => new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
const minutesAgo = (m) => new Date(Date.now() - m * 60_000).toISOString()
const width = (page) => page.evaluate(() => document.documentElement.scrollWidth)
const statusOf = async (id) => (await env.api('admin', 'GET', `/api/v1/health/people/${id}`)).status?.status ?? 'normal'

before(async () => {
  env = await setup()
  const me = await env.api('grid1', 'GET', '/api/v1/me')
  const gridId = me.roles[0].area_id
  grid = (await env.api('admin', 'GET', `/api/v1/areas/${gridId}`))
  const residentAccount = await env.api('resident', 'GET', '/api/v1/me')
  const own = await env.api('admin', 'GET', `/api/v1/residents/${residentAccount.resident_id}?reveal=false`)

  // Residents of the grid, by household, leaving out the portal account's household.
  const people = []
  let cursor = null
  do {
    const page = await env.api('admin', 'GET', `/api/v1/residents?area_id=${gridId}&reveal=false&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    people.push(...page.items)
    cursor = page.next
  } while (cursor && people.length < 2000)
  const usable = people.filter((p) => p.household_id !== own.household_id)
  const normal = async (p) => (await statusOf(p.id)) === 'normal'
  const byHousehold = new Map()
  for (const p of usable) if (p.household_id) byHousehold.set(p.household_id, [...(byHousehold.get(p.household_id) ?? []), p])
  for (const members of byHousehold.values()) {
    if (members.length < 2) continue
    const [a, b] = members
    if (await normal(a) && await normal(b)) { A = a; B = b; break }
  }
  assert.ok(A && B, 'a household of two in grid1\'s grid, both normal')
  const others = []
  for (const p of usable) {
    if (p.household_id === A.household_id || others.some((o) => o.household_id === p.household_id)) continue
    const noReport = async () => (await env.api('admin', 'GET', `/api/v1/health/reports?person_id=${p.id}&date=${todayCN()}`)).items.length === 0
    if (await normal(p) && await noReport()) others.push(p)
    if (others.length === 3) break
  }
  ;[C, D, E] = others
  assert.ok(E, 'three more residents of the grid, normal and without a report today')

  // A shop with coordinates, where A and D spend 40 minutes together this morning.
  const located = (await env.api('admin', 'GET', `/api/v1/places?area_id=${gridId}&limit=50`)).items.find((p) => p.latitude != null)
  shop = await env.api('admin', 'POST', '/api/v1/places', {
    name: '健康测试便利店', kind: 'shop', area_id: gridId,
    latitude: located?.latitude ?? 30.2741, longitude: located?.longitude ?? 120.1551,
  })
  const scan = (person, m, direction) => ({ client_event_id: uuid(), person_id: person.id, place_id: shop.id, ts: minutesAgo(m), direction })
  const res = await env.api('admin', 'POST', '/api/v1/scans', {
    scans: [scan(A, 180, 'in'), scan(D, 170, 'in'), scan(D, 130, 'out'), scan(A, 120, 'out')],
  })
  assert.equal(res.rejected.length, 0, JSON.stringify(res.rejected))
})
after(async () => { await env?.close() })

test('grid1 sees a fever as unwell and as an alert, gets a new alert live, handles it and records a report', async () => {
  const fever = await env.api('grid1', 'POST', '/api/v1/health/reports', {
    reports: [{ person_id: A.id, date: todayCN(), temperature: 38.4, symptoms: ['fever', 'cough'], test_result: 'none' }],
  })
  assert.equal(fever.accepted.length, 1, JSON.stringify(fever))
  assert.ok(fever.alerts.some((a) => a.kind === 'fever' && a.person_id === A.id))

  const page = await env.page()
  await env.login(page, 'grid1')
  await page.locator('[data-test="nav-health"]').click()
  await page.waitForURL((u) => u.pathname === '/health')
  assert.equal(await page.locator('[data-test="health-area"]').inputValue(), String(grid.id), 'the grid worker\'s own grid by default')
  await page.locator('[data-test="sum-expected"]').filter({ hasText: /^\d+$/ }).waitFor()

  await page.locator('[data-test="health-tab-unwell"]').click()
  const row = page.locator(`[data-test="health-row"][data-person-id="${A.id}"]`)
  await row.waitFor()
  assert.equal(await row.getAttribute('data-unwell'), 'true')
  assert.match(await row.locator('[data-test="health-temp"]').innerText(), /38\.4/)
  assert.match(await row.locator('[data-test="health-temp"]').getAttribute('class'), /fever/)
  assert.equal(await row.locator('[data-test="health-person"]').getAttribute('href'), `/health/people/${A.id}`)
  const alert = page.locator(`[data-test="alert-row"][data-person-id="${A.id}"][data-kind="fever"]`)
  await alert.waitFor()
  assert.ok(Number(await page.locator('[data-test="sum-unwell"]').innerText()) >= 1)

  // A positive test for C arrives while the page is open.
  await page.locator('[data-test="health-live"][data-live="true"]').waitFor()
  await page.evaluate(() => { window.__notReloaded = true })
  await env.api('admin', 'POST', '/api/v1/health/reports', {
    reports: [{ person_id: C.id, date: todayCN(), temperature: 36.8, symptoms: [], test_result: 'positive', test_date: todayCN() }],
  })
  await page.locator(`[data-test="alert-row"][data-person-id="${C.id}"][data-kind="positive_test"]`).waitFor()
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'updated without reloading')
  await page.locator(`[data-test="health-row"][data-person-id="${C.id}"]`).waitFor()
  await settled(page)
  await env.shot(page, 'health-daily')

  // Handling A's alert with a note takes it out of the inbox.
  const alertId = Number(await alert.getAttribute('data-alert-id'))
  await alert.locator('[data-test="alert-note"]').fill('已电话联系，安排发热门诊就诊')
  await alert.locator('[data-test="alert-handle"]').click()
  await alert.waitFor({ state: 'detached' })
  const handled = (await env.api('grid1', 'GET', '/api/v1/health/alerts?status=handled')).items.find((a) => a.id === alertId)
  assert.equal(handled?.status, 'handled')
  assert.equal(handled?.note, '已电话联系，安排发热门诊就诊')

  // Recording E's report: an impossible temperature first, shown under the field.
  await page.locator('[data-test="health-tab-missing"]').click()
  await page.locator('[data-test="health-row"]').first().waitFor()
  let eRow = page.locator(`[data-test="health-row"][data-person-id="${E.id}"]`)
  if (!(await eRow.count())) {
    // E may be on a later page of a big grid: record from the timeline instead.
    eRow = null
  }
  if (eRow) {
    await eRow.locator('[data-test="health-record"]').click()
    const form = eRow.locator('[data-test="health-record-form"]')
    await form.locator('[data-test="report-temperature"]').fill('45')
    await form.locator('[data-test="report-submit"]').click()
    await form.locator('[data-test="report-error-temperature"]').waitFor()
    await form.locator('[data-test="report-temperature"]').fill('36.6')
    await form.locator('[data-test="report-submit"]').click()
    await eRow.waitFor({ state: 'detached' }) // no longer missing
  } else {
    await page.goto(env.url(`/health/people/${E.id}`))
    await page.locator('[data-test="person-record"]').click()
    await page.locator('[data-test="report-temperature"]').fill('45')
    await page.locator('[data-test="report-submit"]').click()
    await page.locator('[data-test="report-error-temperature"]').waitFor()
    await page.locator('[data-test="report-temperature"]').fill('36.6')
    await page.locator('[data-test="report-submit"]').click()
    await page.locator('[data-test="person-recorded"]').waitFor()
  }
  const eReports = (await env.api('grid1', 'GET', `/api/v1/health/reports?person_id=${E.id}&date=${todayCN()}`)).items
  assert.equal(eReports.length, 1)
  assert.equal(eReports[0].temperature, 36.6)
  assert.equal(eReports[0].source, 'staff')
  assert.deepEqual(page.errors, [])
  await page.context().close()

  // The daily view at phone size.
  const phone = await env.page({ phone: true })
  await env.login(phone, 'grid1')
  await phone.goto(env.url('/health?filter=unwell'))
  await phone.locator(`[data-test="health-row"][data-person-id="${C.id}"]`).waitFor()
  await settled(phone)
  assert.ok((await width(phone)) <= 390, 'nothing wider than the phone')
  await env.shot(phone, 'health-daily-phone')
  assert.deepEqual(phone.errors, [])
  await phone.context().close()
})

test('the health timeline shows the fever, refuses a forbidden status change under the field, then sets observation', async () => {
  const page = await env.page()
  await env.login(page, 'grid1')
  await page.goto(env.url(`/residents/${A.id}`))
  await page.locator('[data-test="resident-health"]').click()
  await page.waitForURL((u) => u.pathname === `/health/people/${A.id}`)
  await page.locator('[data-test="person-name"]', { hasText: A.name }).waitFor()
  assert.equal(await page.locator('[data-test="person-status"]').getAttribute('data-status'), 'normal')
  const reportRow = page.locator('[data-test="report-row"]', { has: page.locator('[data-test="report-temp"][data-fever="true"]') }).first()
  await reportRow.waitFor()
  assert.match(await reportRow.innerText(), /38\.4/)
  await page.locator(`[data-test="report-strip"] [data-date="${todayCN()}"][data-state="unwell"]`).waitFor({ state: 'attached' })

  // normal → recovered is not allowed: the API's error is shown at the status select.
  await page.locator('[data-test="status-select"]').selectOption('recovered')
  await page.locator('[data-test="status-reason"]').fill('测试：不应允许')
  await page.locator('[data-test="status-submit"]').click()
  const err = page.locator('[data-test="status-error-status"]')
  await err.waitFor()
  assert.ok((await err.innerText()).includes(texts.zh.health.status.recovered))
  assert.equal(await statusOf(A.id), 'normal')

  await page.locator('[data-test="status-select"]').selectOption('observation')
  await page.locator('[data-test="status-reason"]').fill('发热待排查')
  await page.locator('[data-test="status-submit"]').click()
  await page.locator('[data-test="person-status"][data-status="observation"]').waitFor()
  await page.locator('[data-test="period-row"][data-status="observation"]').first().waitFor()
  assert.equal(await page.locator('[data-test="status-error-status"]').count(), 0)
  assert.equal(await statusOf(A.id), 'observation')
  await settled(page)
  await env.shot(page, 'health-person', { fullPage: true })
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('a tracing run lists the household member and the person met at the shop as close contacts; follow-up puts one under observation', async () => {
  const page = await env.page()
  await env.login(page, 'community')
  await page.locator('[data-test="nav-tracing"]').click()
  await page.waitForURL((u) => u.pathname === '/tracing')
  await page.locator('[data-test="trace-person"]').fill(A.name)
  await page.locator(`[data-test="trace-match"][data-person-id="${A.id}"]`).click()
  await page.locator(`[data-test="trace-picked"][data-person-id="${A.id}"]`).waitFor()
  await page.locator('[data-test="trace-submit"]').click()
  await page.waitForURL((u) => /^\/tracing\/\d+$/.test(u.pathname))
  const runId = Number(new URL(page.url()).pathname.split('/').pop())

  const mate = page.locator(`[data-test="contact-row"][data-person-id="${B.id}"]`)
  await mate.waitFor()
  assert.equal(await mate.getAttribute('data-degree'), 'close')
  assert.equal(await mate.getAttribute('data-relation'), 'household')
  const met = page.locator(`[data-test="contact-row"][data-person-id="${D.id}"]`)
  await met.waitFor()
  assert.equal(await met.getAttribute('data-degree'), 'close')
  assert.match(await met.locator('[data-test="contact-evidence"]').first().innerText(), new RegExp(shop.name))
  assert.ok(Number(await page.locator('[data-test="count-close"]').innerText()) >= 2)
  await page.waitForFunction(() => Number(document.querySelector('[data-test="trace-graph"]')?.getAttribute('data-nodes')) >= 3)
  await page.locator('[data-test="trace-graph"] svg').waitFor()
  await page.waitForFunction(() => Number(document.querySelector('[data-test="trace-map"]')?.getAttribute('data-markers')) >= 1)

  // The API returns the same run, with the evidence of the shop visit.
  const run = await env.api('community', 'GET', `/api/v1/tracing/runs/${runId}`)
  const dRun = run.contacts.find((c) => c.person_id === D.id)
  assert.ok(dRun.evidence.some((e) => e.place_id === shop.id && e.minutes >= 39 && e.minutes <= 41), JSON.stringify(dRun.evidence))

  // CSV of the visible contacts.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="run-csv"]').click()])
  const csv = await readFile(await download.path(), 'utf8')
  assert.ok(csv.includes(B.name) && csv.includes(D.name))

  // Follow-up: B goes under observation and onto grid1's daily list (twice a day).
  await mate.locator('[data-test="contact-select"]').check()
  await page.locator('[data-test="follow-submit"]').click()
  await page.locator('[data-test="follow-result"][data-updated="1"]').waitFor()
  await page.locator(`[data-test="contact-row"][data-person-id="${B.id}"][data-status="observation"]`).waitFor()
  const b = await env.api('admin', 'GET', `/api/v1/health/people/${B.id}`)
  assert.equal(b.status.status, 'observation')
  assert.equal(b.status.run_id, runId)
  let bDaily
  for (let cursor = null, n = 0; !bDaily && n < 20; n++) {
    const page = await env.api('grid1', 'GET', `/api/v1/health/daily?area_id=${grid.id}&filter=missing&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    bDaily = page.items.find((x) => x.person_id === B.id)
    cursor = page.next
    if (!cursor) break
  }
  assert.equal(bDaily?.status, 'observation')
  assert.equal(bDaily?.required, 2)
  await settled(page)
  await page.evaluate(() => window.scrollTo(0, 0))
  await env.shot(page, 'tracing-run')
  await mate.scrollIntoViewIfNeeded()
  await env.shot(page, 'tracing-run-contacts')
  console.log(`# run ${runId}: ${JSON.stringify(run.counts)}, ${run.contacts.length} contacts visible`)

  await page.locator('[data-test="language"]').selectOption('en')
  await page.locator('[data-test="nav-tracing"]', { hasText: texts.en.health.nav.tracing }).waitFor()
  await page.evaluate(() => window.scrollTo(0, 0))
  await env.shot(page, 'tracing-run-en')
  await page.locator('[data-test="language"]').selectOption('zh-CN')

  await page.locator('[data-test="nav-tracing"]').click()
  await page.locator(`[data-test="run-row"][data-run-id="${runId}"]`).waitFor()
  await env.shot(page, 'tracing-list')
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('at 390x844 the resident sends today\'s health report, sees a field error first, then amends it', async () => {
  const page = await env.page({ phone: true })
  await env.login(page, 'resident', { portal: true })
  const card = page.locator('[data-test="portal-health"]')
  await card.waitFor()
  await page.waitForFunction(() => document.querySelector('[data-test="portal-health"]')?.getAttribute('data-state') !== 'loading')
  // The demo may already hold a report for today: then this is an amendment.
  if (await card.locator('[data-test="portal-health-amend"]').count()) await card.locator('[data-test="portal-health-amend"]').tap()

  await card.locator('[data-test="report-temperature"]').fill('36.5')
  for (const box of await card.locator('input[name="symptoms"]:checked').all()) await box.uncheck()
  await card.locator('[data-test="report-symptom-cough"]').check()
  await card.locator('[data-test="report-test-negative"]').check()
  await card.locator('[data-test="report-test-date"]').fill('')
  await card.locator('[data-test="report-submit"]').tap()
  await card.locator('[data-test="report-error-test_date"]').waitFor()
  assert.ok((await width(page)) <= 390, 'nothing wider than the phone')

  await card.locator('[data-test="report-test-date"]').fill(todayCN())
  await card.locator('[data-test="report-submit"]').tap()
  const done = card.locator('[data-test="portal-health-done"]')
  await done.waitFor()
  assert.match(await card.locator('[data-test="portal-health-time"]').innerText(), /\d{1,2}:\d{2}/)
  await env.shot(page, 'portal-health')

  await card.locator('[data-test="portal-health-amend"]').tap()
  await card.locator('[data-test="report-temperature"]').fill('36.8')
  await card.locator('[data-test="report-submit"]').tap()
  await card.locator('[data-test="portal-health-done"][data-amended="true"]').waitFor()
  const me = await env.api('resident', 'GET', '/api/v1/me')
  const reports = (await env.api('admin', 'GET', `/api/v1/health/reports?person_id=${me.resident_id}&date=${todayCN()}`)).items
  const report = reports.find((r) => r.slot === 1)
  assert.ok(report, JSON.stringify(reports))
  assert.equal(report.temperature, 36.8)
  assert.deepEqual(report.symptoms, ['cough'])
  assert.equal(report.test_result, 'negative')
  assert.equal(report.source, 'self')
  assert.ok(report.amendments >= 1)
  await env.shot(page, 'portal-health-amended')
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('community staff colour the map by today\'s health reports: every grid shows the API\'s rate; a volunteer has no such choice', async () => {
  const page = await env.page()
  await env.login(page, 'community')
  await page.goto(env.url('/map'))
  await page.locator('[data-test="grid-item"]').first().waitFor()
  assert.equal(await page.locator('[data-test="map-legend"]').getAttribute('data-layer'), 'verified', 'verification is the default')
  await page.locator('[data-test="map-layer-health"]').click()
  await page.waitForURL((u) => u.searchParams.get('layer') === 'health')
  await page.locator('[data-test="map-legend"][data-health-state="ready"]').waitFor()

  const community = (await env.api('community', 'GET', '/api/v1/me')).roles[0].area_id
  const comp = await env.api('community', 'GET', `/api/v1/health/completeness?area_id=${community}`)
  assert.ok(Array.isArray(comp.grids) && comp.grids.length > 0, 'the answer lists the grids')
  const colour = (rate) => (rate >= 0.95 ? '#2e7d32' : rate >= 0.8 ? '#f9a825' : '#c62828')
  let compared = 0
  for (const g of comp.grids) {
    const poly = page.locator(`path[data-grid-id="${g.area_id}"]`)
    if (!(await poly.count())) continue // a grid without a boundary is only in the list
    assert.equal(Number(await poly.getAttribute('data-rate')), g.rate, `rate of grid ${g.area_id}`)
    assert.equal(await poly.getAttribute('fill'), colour(g.rate), `fill of grid ${g.area_id} at ${g.rate}`)
    assert.equal(await poly.getAttribute('data-flagged'), String(g.flagged))
    if (g.flagged) assert.equal(await poly.getAttribute('stroke'), '#ef6c00')
    compared++
  }
  assert.ok(compared > 0, 'at least one grid polygon compared')
  assert.equal(Number(await page.locator('[data-test="legend-health-total"]').getAttribute('data-rate')), comp.rate)

  // The selected grid's figures include its completeness.
  const entry = comp.grids.find((g) => g.area_id === grid.id)
  await page.locator(`[data-test="grid-item"][data-grid-id="${grid.id}"]`).click()
  const figure = page.locator(`[data-test="grid-panel"][data-area-id="${grid.id}"] [data-test="panel-health"][data-rate]`)
  await figure.waitFor()
  assert.equal(Number(await figure.getAttribute('data-rate')), entry.rate)
  assert.match(await figure.locator('[data-test="panel-health-rate"]').innerText(), /%$/)
  await settled(page)
  await env.shot(page, 'map-health')

  // The choice is kept in the address.
  await page.reload()
  await page.locator('[data-test="map-legend"][data-layer="health"][data-health-state="ready"]').waitFor()
  assert.equal(await page.locator('[data-test="map-layer"]').getAttribute('data-layer'), 'health')

  // A failed fetch shows a note and leaves the grids grey.
  await page.route('**/api/v1/health/completeness*', (r) => r.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"boom"}}' }))
  await page.locator('[data-test="map-refresh"]').click()
  await page.locator('[data-test="map-legend"][data-health-state="error"] [data-test="legend-health-error"]').waitFor()
  const first = page.locator(`path[data-grid-id="${comp.grids[0].area_id}"]`)
  assert.equal(await first.getAttribute('fill'), '#90a4ae')
  assert.equal(await first.getAttribute('data-band'), 'none')
  await page.unroute('**/api/v1/health/completeness*')
  assert.deepEqual(page.errors, [])
  await page.context().close()

  // Without read_health the choice is not offered, even with ?layer=health.
  const other = await env.page()
  await env.login(other, 'volunteer')
  await other.goto(env.url('/map?layer=health'))
  await other.locator('[data-test="map-legend"]').waitFor()
  assert.equal(await other.locator('[data-test="map-layer"]').count(), 0)
  assert.equal(await other.locator('[data-test="map-legend"]').getAttribute('data-layer'), 'verified')
  await other.context().close()
})
