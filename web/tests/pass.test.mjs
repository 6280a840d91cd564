// The personal pass: a resident shows their QR code in the portal (phone
// size); a grid worker opens the URL it encodes in the console, sees who it
// is and records their entry at a place of the grid with one tap.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

test('at 390x844 the resident sees their pass: a QR code and its expiry', async () => {
  const page = await env.page({ phone: true })
  await env.login(page, 'resident', { portal: true })
  const card = page.locator('[data-test="my-pass"]')
  await card.locator('[data-test="my-pass-qr"] svg path#qr-modules').waitFor()
  assert.ok((await card.innerText()).includes(texts.zh.pass.my_pass))
  const expires = await card.locator('[data-test="my-pass-expires"]').innerText()
  assert.ok(expires.length > texts.zh.pass.expires.length - 4, expires)
  const box = await card.locator('[data-test="my-pass-qr"] svg').boundingBox()
  assert.ok(box && box.width >= 200 && box.width <= 390, `QR is ${box?.width}px wide`)
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 390, `page is ${width}px wide`)
  assert.deepEqual(page.errors, [])
  await env.shot(page, 'pass-portal-phone', { fullPage: true })
  await page.context().close()
})

test('a grid worker opens the pass URL and records an entry at a place of the grid', async () => {
  const me = await env.api('resident', 'GET', '/api/v1/me')
  const pass = await env.api('resident', 'GET', '/api/v1/me/pass')
  const path = new URL(pass.url).pathname
  assert.match(path, /^\/pass\/[A-Za-z0-9_-]+$/)
  const resident = await env.api('admin', 'GET', `/api/v1/residents/${me.resident_id}?reveal=false`)
  const worker = await env.api('grid1', 'GET', '/api/v1/me')
  const grid = worker.roles.find((r) => r.role === 'grid_worker').area_id
  assert.equal(resident.area_id, grid, 'the demo resident lives in grid1')
  const place = await env.api('admin', 'POST', '/api/v1/places', { name: '通行码测试东门', kind: 'checkpoint', area_id: grid })

  const page = await env.page({ phone: true })
  await env.login(page, 'grid1')
  await page.goto(env.url(path))
  const person = page.locator('[data-test="pass-person"]')
  await person.waitFor()
  assert.ok((await person.innerText()).includes(resident.name))
  assert.equal(await person.getAttribute('data-person-id'), String(me.resident_id))

  await page.locator('[data-test="pass-place"]').selectOption(String(place.id))
  await page.locator('[data-test="pass-in"]').click()
  const done = page.locator('[data-test="pass-done"]')
  await done.waitFor()
  assert.equal(await done.getAttribute('data-direction'), 'in')
  assert.ok((await done.innerText()).includes(place.name))
  await env.shot(page, 'pass-staff-phone', { fullPage: true })

  const scans = await env.api('admin', 'GET', `/api/v1/scans?place_id=${place.id}`)
  assert.equal(scans.items.length, 1)
  assert.equal(scans.items[0].person_id, me.resident_id)
  assert.equal(scans.items[0].direction, 'in')
  assert.equal(scans.items[0].source, 'staff')

  // An altered pass is refused with a clear message.
  const bad = path.slice(0, -1) + (path.endsWith('A') ? 'B' : 'A')
  await page.goto(env.url(bad))
  await page.locator('[data-test="pass-invalid"]').waitFor()
  assert.ok((await page.locator('[data-test="pass-invalid"]').innerText()).includes(texts.zh.pass.invalid))
  assert.deepEqual(page.errors, [])
  await page.context().close()
})
