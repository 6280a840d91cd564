// A grid worker sees only their own grid: the map lists that grid alone and
// a resident of another grid cannot be opened.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

test('grid1 sees only its own grid and cannot open a resident of grid2', async () => {
  const grid1 = (await env.api('grid1', 'GET', '/api/v1/me')).roles[0]
  const grid2 = (await env.api('grid2', 'GET', '/api/v1/me')).roles[0]
  const [other] = (await env.api('admin', 'GET', `/api/v1/residents?area_id=${grid2.area_id}&limit=1&reveal=false`)).items
  const [own] = (await env.api('admin', 'GET', `/api/v1/residents?area_id=${grid1.area_id}&limit=1&reveal=false`)).items

  const page = await env.page()
  await env.login(page, 'grid1')
  await page.goto(env.url('/map'))
  const grids = page.locator('[data-test="grid-item"]')
  await grids.first().waitFor()
  assert.equal(await grids.count(), 1)
  assert.ok((await grids.first().innerText()).includes(grid1.area_name))
  assert.equal(await grids.first().getAttribute('data-grid-id'), String(grid1.area_id))

  // Their own resident opens (and shows the full number: grid workers see personal data).
  await page.goto(env.url(`/residents/${own.id}`))
  await page.locator('[data-test="resident-detail"]').waitFor()
  assert.ok((await page.locator('[data-test="resident-detail"]').innerText()).includes(own.name))

  // Another grid's resident is refused.
  await page.goto(env.url(`/residents/${other.id}`))
  await page.locator('[data-state="error"], [data-test="forbidden"]').first().waitFor()
  assert.equal(await page.locator('[data-test="id-number"]').count(), 0)
  assert.ok(!(await page.locator('main').innerText()).includes(other.name))
  await env.shot(page, 'scope-forbidden')
  await page.context().close()
})
