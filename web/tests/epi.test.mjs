// The epidemic page on the demo outbreak: the community's staff see the
// chart canvas and today's counts as the API gives them, Rt is explained,
// editing R0 recomputes the forecast (a larger total, as the API agrees), a
// bad parameter shows its error under the field, the grid table lists the
// largest projected rise first, and the page fits a 390 px phone.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts, settled } from './support.mjs'

let env
/** The outbreak community: the demo `community` account's area. */
let community

const width = (page) => page.evaluate(() => document.documentElement.scrollWidth)

before(async () => {
  env = await setup()
  const me = await env.api('community', 'GET', '/api/v1/me')
  community = me.roles[0].area_id
})
after(async () => { await env?.close() })

test('the epidemic page draws the curve and the counts of the demo outbreak, and R0 changes the forecast', async () => {
  const curve = await env.api('community', 'GET', `/api/v1/epi/curve?area_id=${community}&days=60`)
  assert.ok(curve.total_cases >= 1, `the demo outbreak has confirmed cases: ${JSON.stringify(curve.now)}`)
  assert.equal(curve.incidence.length, 60)
  assert.equal(curve.rt.length, 60)

  // Higher R0, more projected cases: the API agrees before the page is asked.
  const low = await env.api('community', 'GET', `/api/v1/epi/forecast?area_id=${community}&r0=1.5`)
  const high = await env.api('community', 'GET', `/api/v1/epi/forecast?area_id=${community}&r0=4`)
  assert.ok(high.projected_total > low.projected_total, `${high.projected_total} > ${low.projected_total}`)
  assert.ok(low.grids.length > 1)

  const page = await env.page()
  await env.login(page, 'community')
  await page.locator('[data-test="nav-epi"]').click()
  await page.waitForURL((u) => u.pathname === '/epi')
  assert.equal((await page.locator('[data-test="nav-epi"]').textContent()).trim(), texts.zh.epi.nav)
  await page.locator('[data-test="epi-chart"] canvas').first().waitFor()
  await page.locator('[data-test="forecast-total"]').waitFor()
  await settled(page)

  assert.equal(await page.locator('[data-test="epi-confirmed"]').textContent(), String(curve.now.confirmed))
  assert.equal(await page.locator('[data-test="epi-observation"]').textContent(), String(curve.now.observation))
  assert.equal(await page.locator('[data-test="epi-quarantine"]').textContent(), String(curve.now.quarantine_or_isolation))
  assert.equal(await page.locator('[data-test="epi-cases"]').textContent(), String(curve.total_cases))
  const canvas = page.locator('[data-test="epi-chart"] canvas').first()
  const box = await canvas.boundingBox()
  assert.ok(box && box.width > 300 && box.height > 200, `a drawn canvas: ${JSON.stringify(box)}`)
  // Few cases: Rt is hidden and the page says why.
  if (!curve.rt.some((r) => r.enough_cases)) {
    assert.match(await page.locator('[data-test="epi-rt-note"]').textContent(), new RegExp(texts.zh.epi.chart.rt_hidden))
    assert.equal(await page.locator('[data-test="epi-rt"]').textContent(), '—')
  }

  // The largest projected rise first.
  const rises = await page.locator('[data-test="epi-grid-row"]').evaluateAll((rows) => rows.map((r) => Number(r.dataset.rise)))
  assert.ok(rises.length > 1)
  for (let i = 1; i < rises.length; i++) assert.ok(rises[i - 1] >= rises[i], `sorted: ${rises}`)

  // Editing R0 recomputes the forecast.
  const total = page.locator('[data-test="forecast-total"]')
  const before = Number(await total.getAttribute('data-value'))
  await page.locator('[data-test="epi-param-r0"]').fill('4')
  await page.locator('[data-test="epi-forecast-submit"]').click()
  await page.waitForFunction((b) => {
    const el = document.querySelector('[data-test="forecast-total"]')
    return el && Number(el.getAttribute('data-value')) !== b
  }, before)
  const after4 = Number(await total.getAttribute('data-value'))
  assert.ok(Math.abs(after4 - high.projected_total) < 1e-6, `${after4} = ${high.projected_total}`)
  assert.ok(after4 > before)
  assert.match(await page.locator('[data-test="epi-rates"]').textContent(), /R0 4\b/)
  await settled(page)
  await env.shot(page, 'epi-curve', { fullPage: true })

  // A bad value: the server's 422 shows under the field, the last forecast stays.
  await page.locator('[data-test="epi-param-latent_days"]').fill('0')
  await page.locator('[data-test="epi-forecast-submit"]').click()
  await page.locator('[data-test="epi-error-latent_days"]').waitFor()
  assert.equal((await page.locator('[data-test="epi-error-latent_days"]').textContent()).trim(), texts.zh.epi.err.latent_days)
  assert.equal(Number(await total.getAttribute('data-value')), after4)
  assert.deepEqual(page.errors, [])
})

test('the epidemic page fits a phone, and roles without health data have no link', async () => {
  const phone = await env.page({ phone: true })
  await env.login(phone, 'community')
  await phone.goto(env.url(`/epi?area_id=${community}`))
  await phone.locator('[data-test="epi-chart"] canvas').first().waitFor()
  await phone.locator('[data-test="forecast-total"]').waitFor()
  await settled(phone)
  assert.ok((await width(phone)) <= 390, 'nothing wider than the phone')
  await env.shot(phone, 'epi-curve-phone', { fullPage: true })
  assert.deepEqual(phone.errors, [])
  await phone.context().close()

  const page = await env.page()
  await env.login(page, 'volunteer')
  await page.locator('[data-test="nav-map"]').waitFor()
  assert.equal(await page.locator('[data-test="nav-epi"]').count(), 0)
})
