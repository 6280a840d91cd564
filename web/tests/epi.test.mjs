// The epidemic page on the demo outbreak: the community's staff see the
// chart canvas and today's counts as the API gives them, Rt is explained,
// editing R0 recomputes the forecast (a larger total, as the API agrees), a
// bad parameter shows its error under the field, the grid table lists the
// largest projected rise first, and the page fits a 390 px phone. The form
// starts from the stored parameters; an expert saves them (a bad value's
// error at its field, nothing saved), a grid worker has no save button.
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

test('the form starts from the stored parameters, an expert saves them, a grid worker cannot', async () => {
  const PATH = '/api/v1/epi/forecast/parameters'
  const MODEL = ['r0', 'latent_days', 'infectious_days', 'time_fraction', 'observation_share']
  const pick = (p) => Object.fromEntries(MODEL.map((k) => [k, p[k]]))
  const round3 = (x) => Math.round(x * 1000) / 1000
  const original = await env.api('expert', 'GET', PATH)
  const isPut = (r) => new URL(r.url()).pathname === PATH && r.request().method() === 'PUT'
  const isForecast = (r) => new URL(r.url()).pathname === '/api/v1/epi/forecast' && r.request().method() === 'GET'
  try {
    const page = await env.page()
    await env.login(page, 'expert')
    await page.goto(env.url(`/epi?area_id=${community}`))
    const total = page.locator('[data-test="forecast-total"]')
    await total.waitFor()
    await settled(page)

    // The form shows the stored parameters, observation_share included, and says whose they are.
    for (const k of MODEL) {
      assert.equal(Number(await page.locator(`[data-test="epi-param-${k}"]`).inputValue()), round3(original[k]), k)
    }
    const stored = page.locator('[data-test="epi-stored"]')
    if (original.updated_at === null) assert.equal((await stored.textContent()).trim(), texts.zh.epi.forecast.stored_builtin)
    assert.equal((await page.locator('[data-test="epi-save-note"]').textContent()).trim(), texts.zh.epi.forecast.save_note)

    // A bad R0: the server's 422 shows at the field, in the UI language, and nothing is saved.
    await page.locator('[data-test="epi-param-r0"]').fill('25')
    const bad = page.waitForResponse(isPut)
    await page.locator('[data-test="epi-params-save"]').click()
    assert.equal((await bad).status(), 422)
    const error = page.locator('[data-test="epi-error-r0"]')
    await error.waitFor()
    const expected = texts.zh.errors.msg.number_range
      .replace('{field}', texts.zh.field.r0).replace('{min}', '0').replace('{max}', '20')
    assert.equal((await error.textContent()).trim(), expected)
    assert.deepEqual(pick(await env.api('expert', 'GET', PATH)), pick(original))
    assert.equal(await page.locator('[data-test="epi-params-saved"]').count(), 0)

    // Good values: saved, and the forecast is redrawn with them.
    const before = Number(await total.getAttribute('data-value'))
    await page.locator('[data-test="epi-param-r0"]').fill('3.5')
    await page.locator('[data-test="epi-param-observation_share"]').fill('0.2')
    const good = page.waitForResponse(isPut)
    const redrawn = page.waitForResponse(isForecast)
    await page.locator('[data-test="epi-params-save"]').click()
    assert.equal((await good).status(), 200)
    const answer = await (await redrawn).json()
    assert.equal(answer.parameters.r0, 3.5)
    assert.equal(answer.parameters.observation_share, 0.2)
    const saved = await env.api('expert', 'GET', PATH)
    assert.deepEqual(pick(saved), { ...pick(original), r0: 3.5, observation_share: 0.2 })
    assert.equal(saved.updated_by, 'expert')
    assert.ok(saved.updated_at, 'updated_at is set')
    await page.locator('[data-test="epi-params-saved"]').waitFor()
    assert.equal(await error.count(), 0)
    await page.waitForFunction((v) => Number(document.querySelector('[data-test="forecast-total"]')?.getAttribute('data-value')) === v, answer.projected_total)
    await settled(page)
    // A forecast asked without parameters takes the stored ones: the page agrees.
    const plain = await env.api('expert', 'GET', `/api/v1/epi/forecast?area_id=${community}`)
    assert.equal(plain.parameters.r0, 3.5)
    assert.ok(Math.abs(answer.projected_total - plain.projected_total) < 1e-6, `${answer.projected_total} = ${plain.projected_total}`)
    assert.notEqual(answer.projected_total, before)
    assert.match(await page.locator('[data-test="epi-rates"]').textContent(), /R0 3\.5\b/)
    assert.equal(await stored.getAttribute('data-updated-by'), 'expert')
    assert.match(await stored.textContent(), /expert/)
    await env.shot(page, 'epi-params-saved', { fullPage: true })

    // Reset: the form goes back to the stored parameters and recomputes.
    await page.locator('[data-test="epi-param-r0"]').fill('4')
    const reset = page.waitForResponse(isForecast)
    await page.locator('[data-test="epi-forecast-reset"]').click()
    assert.equal((await reset).status(), 200)
    assert.equal(await page.locator('[data-test="epi-param-r0"]').inputValue(), '3.5')
    await page.waitForFunction((v) => Number(document.querySelector('[data-test="forecast-total"]')?.getAttribute('data-value')) === v, answer.projected_total)
    assert.deepEqual(page.errors, [])

    // A grid worker sees the stored parameters but may not save them.
    const grid = await env.page()
    await env.login(grid, 'grid1')
    await grid.goto(env.url('/epi'))
    await grid.locator('[data-test="forecast-total"]').waitFor()
    await settled(grid)
    assert.equal(await grid.locator('[data-test="epi-param-r0"]').inputValue(), '3.5')
    assert.equal(await grid.locator('[data-test="epi-stored"]').getAttribute('data-updated-by'), 'expert')
    assert.equal(await grid.locator('[data-test="epi-params-save"]').count(), 0)
    assert.equal(await grid.locator('[data-test="epi-save-note"]').count(), 0)
    await assert.rejects(env.api('grid1', 'PUT', PATH, { r0: 1 }), /403/)
    assert.deepEqual(grid.errors, [])

    // The expert goes back to the built-in defaults.
    const isDelete = (r) => new URL(r.url()).pathname === PATH && r.request().method() === 'DELETE'
    const deleted = page.waitForResponse(isDelete)
    await page.locator('[data-test="epi-params-builtin"]').click()
    assert.equal((await deleted).status(), 200)
    await page.waitForFunction(() => document.querySelector('[data-test="epi-stored"]')?.getAttribute('data-updated-by') === '')
    assert.equal(await page.locator('[data-test="epi-param-r0"]').inputValue(), '2.5')
    assert.equal((await env.api('expert', 'GET', PATH)).updated_at, null)
    assert.equal(await page.locator('[data-test="epi-params-builtin"]').count(), 0)
    assert.deepEqual(page.errors, [])
  } finally {
    // Other tests see the parameters as they were.
    if (original.updated_at) await env.api('expert', 'PUT', PATH, pick(original))
    else await env.api('expert', 'DELETE', PATH)
  }
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
