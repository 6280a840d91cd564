// Checkpoints and movement: a resident scans a place's code at phone size,
// a visitor registers (a bad phone first), the places page counts live, a
// grid worker closes a screening item after setting the follow-up, and the
// flows page draws the movement between grids.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts, settled, PASSWORD } from './support.mjs'

let env
/** grid1's grid, its neighbour (next code in the same community), a place in each. */
let home, neighbour, homePlace, neighbourPlace

const uuid = () => crypto.randomUUID()
const occupancy = (place) => env.api('admin', 'GET', `/api/v1/places/${place.id}/occupancy`)

async function placeIn(area, name, kind = 'checkpoint') {
  const found = (await env.api('admin', 'GET', `/api/v1/places?area_id=${area.id}&limit=1`)).items[0]
  return found ?? env.api('admin', 'POST', '/api/v1/places', { name, kind, area_id: area.id })
}
async function residentOf(area) {
  const [r] = (await env.api('admin', 'GET', `/api/v1/residents?area_id=${area.id}&reveal=false&limit=1`)).items
  assert.ok(r, `a resident in ${area.name}`)
  return r
}
function scanBody(place, personId, extra = {}) {
  return { scans: [{ client_event_id: uuid(), person_id: personId, place_id: place.id, ts: new Date().toISOString(), direction: 'in', ...extra }] }
}
async function width(page) {
  return page.evaluate(() => document.documentElement.scrollWidth)
}

before(async () => {
  env = await setup()
  const me = await env.api('grid1', 'GET', '/api/v1/me')
  const gridId = me.roles[0].area_id
  const grids = (await env.api('admin', 'GET', '/api/v1/areas?level=grid&limit=1000')).items
  home = grids.find((g) => g.id === gridId)
  const siblings = grids.filter((g) => g.parent_id === home.parent_id).sort((a, b) => a.code.localeCompare(b.code))
  neighbour = siblings[siblings.indexOf(home) + 1] ?? siblings[siblings.indexOf(home) - 1]
  assert.match(neighbour.code, /^\d{15}$/)
  homePlace = await placeIn(home, '南门卡口')
  neighbourPlace = await placeIn(neighbour, '东街便民超市', 'shop')
})
after(async () => { await env?.close() })

test('at 390x844 the resident scans in at a place and sees the success screen', async () => {
  const before = await occupancy(homePlace)
  const page = await env.page({ phone: true })
  await env.login(page, 'resident', { portal: true })
  await page.goto(env.url(`/m/scan?place=${homePlace.code}`))
  await page.locator('[data-test="scan-place-name"]', { hasText: homePlace.name }).waitFor()
  await page.locator('[data-test="scan-resident"]').waitFor()
  assert.ok((await width(page)) <= 390, 'nothing wider than the phone')
  await env.shot(page, 'movement-scan-phone')

  await page.locator('[data-test="scan-in"]').tap()
  const ok = page.locator('[data-test="scan-success"]')
  await ok.waitFor()
  assert.equal(await ok.getAttribute('data-direction'), 'in')
  assert.equal((await page.locator('[data-test="scan-success-place"]').innerText()).trim(), homePlace.name)
  assert.ok((await page.locator('[data-test="scan-success-title"]').innerText()).includes(texts.zh.movement.scan.success_in))
  assert.match(await page.locator('[data-test="scan-success-time"]').innerText(), /\d{1,2}:\d{2}:\d{2}/)
  await env.shot(page, 'movement-scan-success-phone')

  const afterScan = await occupancy(homePlace)
  assert.equal(afterScan.in_today, before.in_today + 1)
  assert.equal(afterScan.inside, before.inside + 1)

  // Leaving, in English this time.
  await page.locator('[data-test="scan-again"]').tap()
  await page.locator('[data-test="language"]').selectOption('en')
  await page.locator('[data-test="scan-out"]', { hasText: texts.en.movement.scan.leave }).waitFor()
  await env.shot(page, 'movement-scan-phone-en')
  await page.locator('[data-test="scan-out"]').tap()
  await page.locator('[data-test="scan-success"][data-direction="out"]').waitFor()
  assert.ok((await page.locator('[data-test="scan-success-title"]').innerText()).includes(texts.en.movement.scan.success_out))
  await env.shot(page, 'movement-scan-success-phone-en')
  assert.equal((await occupancy(homePlace)).out_today, before.out_today + 1)
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('a visitor who is not signed in registers with name and phone; a bad phone is shown first', async () => {
  const before = await occupancy(homePlace)
  const page = await env.page({ phone: true })
  await page.goto(env.url(`/m/scan?place=${homePlace.code}`))
  await page.locator('[data-test="scan-choose"]').waitFor()
  assert.equal(await page.locator('[data-test="scan-sign-in"]').count(), 1)
  await page.locator('[data-test="scan-as-visitor"]').tap()
  await page.locator('[data-test="visitor-name"]').fill('王晓明')
  await page.locator('[data-test="visitor-phone"]').fill('12345678901')
  await page.locator('[data-test="scan-in"]').tap()
  const err = page.locator('[data-test="scan-error-phone"]')
  await err.waitFor()
  assert.ok((await err.innerText()).length > 0)
  assert.equal(await page.locator('[data-test="scan-success"]').count(), 0)
  assert.ok((await width(page)) <= 390)
  await env.shot(page, 'movement-scan-visitor-error-phone')

  await page.locator('[data-test="visitor-phone"]').fill('13912345678')
  await page.locator('[data-test="scan-in"]').tap()
  await page.locator('[data-test="scan-success"][data-direction="in"]').waitFor()
  assert.equal((await occupancy(homePlace)).in_today, before.in_today + 1)
  await env.shot(page, 'movement-scan-visitor-success-phone')

  // An unknown code says so kindly.
  await page.goto(env.url('/m/scan?place=PNOSUCH9'))
  await page.locator('[data-test="scan-unknown"]').waitFor()
  assert.ok((await page.locator('[data-test="scan-unknown"]').innerText()).includes(texts.zh.movement.scan.unknown))
  await env.shot(page, 'movement-scan-unknown-phone')

  // Signing in from the scan page comes back to it, now with the resident's buttons.
  await page.goto(env.url(`/m/scan?place=${homePlace.code}`))
  await page.locator('[data-test="scan-sign-in"]').tap()
  const form = page.locator('[data-test="portal-login"]')
  await form.locator('input[name="username"]').fill('resident')
  await form.locator('input[name="password"]').fill(PASSWORD)
  await form.locator('button[type="submit"]').tap()
  await page.locator('[data-test="scan-resident"] [data-test="scan-in"]').waitFor()
  assert.ok(page.url().endsWith(`/m/scan?place=${homePlace.code}`))
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('the places page updates its live counts when a scan arrives, without reloading', async () => {
  const page = await env.page()
  await env.login(page, 'admin')
  await page.goto(env.url('/places'))
  const row = page.locator(`[data-test="place-row"][data-place-id="${homePlace.id}"]`)
  await row.waitFor()
  await page.locator('[data-test="places-live"][data-live="true"]').waitFor()
  const before = await occupancy(homePlace)
  await page.waitForFunction(([id, n]) =>
    document.querySelector(`[data-test="place-row"][data-place-id="${id}"] [data-test="occ-in"]`)?.textContent?.trim() === String(n),
  [homePlace.id, before.in_today])
  await page.evaluate(() => { window.__notReloaded = true })

  const resident = await residentOf(home)
  await env.api('admin', 'POST', '/api/v1/scans', scanBody(homePlace, resident.id))
  await page.waitForFunction(([id, n]) =>
    document.querySelector(`[data-test="place-row"][data-place-id="${id}"] [data-test="occ-in"]`)?.textContent?.trim() === String(n),
  [homePlace.id, before.in_today + 1])
  assert.equal(await page.evaluate(() => window.__notReloaded), true)
  assert.equal((await row.locator('[data-test="occ-inside"]').innerText()).trim(), String(before.inside + 1))
  await env.shot(page, 'movement-places')

  // Detail: occupancy, recent scans with names, the poster.
  await row.locator('[data-test="place-link"]').click()
  await page.locator('[data-test="place-title"]', { hasText: homePlace.name }).waitFor()
  await page.locator('[data-test="scan-row"]').first().waitFor()
  await page.locator('[data-test="poster-preview"]').waitFor()
  await page.waitForFunction(() => [...document.querySelectorAll('img[data-test="poster-preview"]')].every((i) => i.complete && i.naturalWidth > 0))
  // Staff record a scan for a visitor without a phone app: a bad phone first.
  await page.locator('[data-test="record-mode-visitor"]').check()
  await page.locator('[data-test="record-name"]').fill('李大爷')
  await page.locator('[data-test="record-phone"]').fill('999')
  await page.locator('[data-test="record-submit"]').click()
  await page.locator('[data-test="record-error-phone"]').waitFor()
  await page.locator('[data-test="record-phone"]').fill('13600001111')
  await page.locator('[data-test="record-temperature"]').fill('36.6')
  await page.locator('[data-test="record-submit"]').click()
  await page.locator('[data-test="record-done"]').waitFor()
  await page.waitForFunction((n) => document.querySelector('[data-test="place-occupancy"] [data-test="occ-in"]')?.textContent?.trim() === String(n),
    before.in_today + 2)
  await settled(page)
  await env.shot(page, 'movement-place-detail', { fullPage: true })

  // The same page in English.
  await page.locator('[data-test="language"]').selectOption('en')
  await page.locator('[data-test="nav-places"]', { hasText: texts.en.movement.nav.places }).waitFor()
  await env.shot(page, 'movement-place-detail-en', { fullPage: true })
  await page.locator('[data-test="nav-places"]').click()
  await row.waitFor()
  await env.shot(page, 'movement-places-en')
  await page.locator('[data-test="language"]').selectOption('zh-CN')
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('grid1 sets the follow-up and closes a screening item raised by a risk area', async () => {
  // A resident of grid1's grid was seen in the neighbour grid, which is then marked risky.
  const resident = await residentOf(home)
  await env.api('admin', 'POST', '/api/v1/scans', scanBody(neighbourPlace, resident.id))
  const yesterday = new Date(Date.now() - 86400000).toISOString()
  const risk = await env.api('admin', 'POST', '/api/v1/risk-areas', { code: neighbour.code, name: neighbour.name, starts_at: yesterday, reason: '出现确诊病例' })
  const queue = (await env.api('grid1', 'GET', '/api/v1/screening?status=open')).items
  const item = queue.find((x) => x.person_id === resident.id)
  assert.ok(item, 'the resident is in grid1\'s screening queue')

  const page = await env.page()
  await env.login(page, 'grid1')
  await page.locator('[data-test="nav-screening"]').click()
  await page.waitForURL((u) => u.pathname === '/screening')
  await page.locator('[data-test="screening-item"], [data-test="screening-empty"], [data-test="screening-forbidden"]').first().waitFor()
  const card = page.locator(`[data-test="screening-item"][data-item-id="${item.id}"]`)
  await card.waitFor()
  assert.equal((await card.locator('[data-test="screening-person"]').innerText()).trim(), resident.name)
  assert.equal(await card.locator('[data-test="screening-person"]').getAttribute('href'), `/residents/${resident.id}`)
  assert.equal(await page.locator('[data-test="risk-panel"]').count(), 0, 'grid workers do not mark risk areas')

  // Closing without a follow-up: the API's field error shows at the select.
  await card.locator('[data-test="screening-close"]').click()
  await card.locator('[data-test="screening-error-follow_up"]').waitFor()
  await env.shot(page, 'movement-screening')

  await card.locator('[data-test="screening-verify"]').click()
  await card.waitFor({ state: 'detached' })
  await page.locator('[data-test="screening-tab-verified"]').click()
  const verified = page.locator(`[data-test="screening-item"][data-item-id="${item.id}"]`)
  await verified.waitFor()
  await verified.locator('[data-test="screening-follow-up"]').selectOption('home_observation')
  await verified.locator('[data-test="screening-note"]').fill('已电话联系，居家观察 14 天')
  await verified.locator('[data-test="screening-close"]').click()
  await verified.waitFor({ state: 'detached' })
  await page.locator('[data-test="screening-tab-closed"]').click()
  await page.locator(`[data-test="screening-item"][data-item-id="${item.id}"][data-status="closed"]`).waitFor()
  const closed = (await env.api('grid1', 'GET', '/api/v1/screening?status=closed')).items.find((x) => x.id === item.id)
  assert.equal(closed.status, 'closed')
  assert.equal(closed.follow_up, 'home_observation')
  assert.ok(closed.closed_at)
  await env.shot(page, 'movement-screening-closed')
  assert.deepEqual(page.errors, [])
  await page.context().close()

  // The administrator sees the risk area in the panel and can end it.
  const admin = await env.page()
  await env.login(admin, 'admin')
  await admin.goto(env.url('/screening'))
  const riskRow = admin.locator(`[data-test="risk-row"][data-risk-id="${risk.id}"]`)
  await riskRow.waitFor()
  await admin.locator('[data-test="risk-code"]').fill('12')
  await admin.locator('[data-test="risk-submit"]').click()
  await admin.locator('[data-test="risk-error-name"], [data-test="risk-error-code"]').first().waitFor()
  await settled(admin)
  await env.shot(admin, 'movement-screening-admin')
  await admin.locator('[data-test="language"]').selectOption('en')
  await admin.locator('h2', { hasText: texts.en.movement.screening.title }).waitFor()
  await env.shot(admin, 'movement-screening-admin-en')
  await admin.locator('[data-test="language"]').selectOption('zh-CN')
  await riskRow.locator('[data-test="risk-end"]').click()
  await riskRow.waitFor({ state: 'detached' })
  assert.equal((await env.api('admin', 'GET', '/api/v1/risk-areas')).items.some((r) => r.id === risk.id), false)
  await admin.context().close()
})

test('the flows page lists and draws movement between grids', async () => {
  // Some traffic: residents of a few grids scan at places in other grids.
  const grids = (await env.api('admin', 'GET', '/api/v1/areas?level=grid&limit=1000')).items
    .filter((g) => g.parent_id === home.parent_id).sort((a, b) => a.code.localeCompare(b.code)).slice(0, 5)
  const places = []
  for (const [i, g] of grids.entries()) places.push(await placeIn(g, `${g.name}便民点`, i % 2 ? 'shop' : 'checkpoint'))
  for (const [i, g] of grids.entries()) {
    const people = (await env.api('admin', 'GET', `/api/v1/residents?area_id=${g.id}&reveal=false&limit=${3 + i * 2}`)).items
    const target = places[(i + 1) % places.length]
    const scans = people.map((p, k) => ({
      client_event_id: uuid(), person_id: p.id, place_id: (k % 3 === 2 ? places[(i + 2) % places.length] : target).id,
      ts: new Date().toISOString(), direction: 'in',
    }))
    await env.api('admin', 'POST', '/api/v1/scans', { scans })
  }
  const flows = (await env.api('admin', 'GET', '/api/v1/flows?level=grid')).items
  assert.ok(flows.some((x) => x.from_area_id === home.id && x.to_area_id === neighbour.id))

  const page = await env.page()
  await env.login(page, 'admin')
  await page.locator('[data-test="nav-flows"]').click()
  const row = page.locator(`[data-test="flow-row"][data-from="${home.id}"][data-to="${neighbour.id}"]`)
  await row.waitFor()
  assert.equal((await row.locator('[data-test="flow-from"]').innerText()).trim(), home.name)
  assert.equal((await row.locator('[data-test="flow-to"]').innerText()).trim(), neighbour.name)
  assert.equal(await page.locator('[data-test="flow-row"]').count(), flows.length)
  await page.waitForFunction(() => Number(document.querySelector('[data-test="flows-map"]')?.getAttribute('data-arrows')) > 0)
  assert.ok(await page.locator('path.flow-arrow').count() > 0)
  await env.shot(page, 'movement-flows')

  // By community, everything is inside one community: nothing crosses.
  await page.locator('[data-test="flows-level"]').selectOption('community')
  await page.locator('[data-test="flows-empty"], [data-test="flows-table"]').first().waitFor()
  await page.locator('[data-test="flows-level"]').selectOption('grid')
  await row.waitFor()
  await page.locator('[data-test="language"]').selectOption('en')
  await page.locator('h2', { hasText: texts.en.movement.flows.title }).waitFor()
  await env.shot(page, 'movement-flows-en')
  await page.locator('[data-test="language"]').selectOption('zh-CN')
  assert.deepEqual(page.errors, [])
  await page.context().close()
})
