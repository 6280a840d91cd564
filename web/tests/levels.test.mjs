// Risk levels on the map: community staff choose the "risk level" colouring
// and every grid with a level is drawn in its level's colour, as the API
// answers it after a recomputation.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup } from './support.mjs'

let env

before(async () => {
  env = await setup()
  await env.api('admin', 'POST', '/api/v1/levels/recompute')
})
after(async () => { await env?.close() })

test('the risk-level layer colours the grids green, amber or red by the API\'s level', async () => {
  const page = await env.page()
  await env.login(page, 'community')
  await page.goto(env.url('/map'))
  await page.locator('[data-test="grid-item"]').first().waitFor()
  await page.locator('[data-test="map-layer-level"]').click()
  await page.waitForURL((u) => u.searchParams.get('layer') === 'level')
  await page.locator('[data-test="map-legend"][data-level-state="ready"]').waitFor()

  const community = (await env.api('community', 'GET', '/api/v1/me')).roles[0].area_id
  const answer = await env.api('community', 'GET', `/api/v1/levels?area_id=${community}`)
  assert.ok(answer.grids.length > 0, 'the answer lists the grids')
  const colour = { low: 'rgb(46, 125, 50)', medium: 'rgb(249, 168, 37)', high: 'rgb(198, 40, 40)' }
  let seen = 0
  for (const g of answer.grids) {
    const item = page.locator(`[data-test="grid-item"][data-grid-id="${g.area_id}"]`)
    if (!(await item.count())) continue
    seen++
    assert.equal(await item.locator('[data-test="grid-item-level"]').getAttribute('data-level'), g.level, g.name)
    assert.equal(await item.locator('.sw').evaluate((el) => getComputedStyle(el).backgroundColor), colour[g.level], g.name)
  }
  assert.ok(seen > 0, 'the list shows the community\'s grids')
  await env.shot(page, 'map-levels')
  assert.deepEqual(page.errors, [])
  await page.context().close()
})
