// Registering residents: a bad identity number is shown under its field,
// a good one saves; a CSV import previews its bad rows with line numbers,
// then stores the good ones.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

/** A valid GB 11643 number for an address code, birth date and sequence. */
function idNumber(area, birth, seq) {
  const body = `${area}${birth}${String(seq).padStart(3, '0')}`
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const s = [...body].reduce((acc, d, i) => acc + Number(d) * w[i], 0)
  return body + '10X98765432'[s % 11]
}
/** The same number with a wrong check character. */
function badCheck(id) {
  const last = id.at(-1)
  return id.slice(0, 17) + (last === '0' ? '1' : '0')
}

test('community staff see the identity-number error under the field, then save the resident', async () => {
  const grid = (await env.api('grid1', 'GET', '/api/v1/me')).roles[0]
  const good = idNumber('110105', '19800214', 917)
  const page = await env.page()
  await env.login(page, 'community')
  await page.goto(env.url('/residents/new'))
  const form = page.locator('[data-test="resident-form"]')
  await form.waitFor()
  await form.locator('input[name="name"]').fill('测试居民甲')
  await form.locator(`select[name="area_id"] option[value="${grid.area_id}"]`).waitFor({ state: 'attached' })
  await form.locator('select[name="area_id"]').selectOption(String(grid.area_id))
  await form.locator('input[name="id_number"]').fill(badCheck(good))
  await form.locator('[data-test="save-resident"]').click()
  const err = form.locator('[data-test="error-id_number"]')
  await err.waitFor()
  assert.ok((await err.innerText()).trim().length > 0)
  assert.ok(new URL(page.url()).pathname.endsWith('/residents/new'), 'stays on the form')
  await env.shot(page, 'resident-form-error')

  await form.locator('input[name="id_number"]').fill(good)
  await form.locator('[data-test="save-resident"]').click()
  await page.waitForURL(/\/residents\/\d+$/)
  await page.locator('[data-test="resident-detail"]').waitFor()
  const id = Number(page.url().match(/\/residents\/(\d+)$/)[1])
  const saved = await env.api('admin', 'GET', `/api/v1/residents/${id}`)
  assert.equal(saved.id_number, good)
  assert.equal(saved.area_id, grid.area_id)
  assert.equal(saved.birth_date, '1980-02-14')
  await page.context().close()
})

test('an import shows bad rows with their lines, then stores the good rows', async () => {
  const grid = (await env.api('grid1', 'GET', '/api/v1/me')).roles[0]
  const code = (await env.api('admin', 'GET', `/api/v1/areas/${grid.area_id}`)).code
  const csv = [
    'grid_code,name,id_number,sex,birth_date,tags',
    `${code},导入甲,${idNumber('110105', '19550301', 411)},M,1955-03-01,elderly`,
    `${code},导入乙,${badCheck(idNumber('110105', '19600101', 412))},,,`,            // line 3: bad check character
    `${code},导入丙,${idNumber('110105', '19900707', 422)},F,1990-07-07,`,
    `${code},导入丁,,X,,`,                                                            // line 5: bad sex
    `999999999999999,导入戊,${idNumber('110105', '19700505', 433)},,,`,              // line 6: no such grid
  ].join('\n')

  const page = await env.page()
  await env.login(page, 'community')
  await page.goto(env.url('/import'))
  await page.locator('[data-test="import-kind"]').selectOption('residents')
  await page.locator('[data-test="import-text"]').fill(csv)
  await page.locator('[data-test="import-preview"]').click()
  const summary = page.locator('[data-test="import-summary"]')
  await summary.waitFor()
  const errors = page.locator('[data-test="import-error"]')
  await errors.first().waitFor()
  const lines = await errors.evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent?.trim()))
  assert.deepEqual(lines, ['3', '5', '6'])
  assert.equal(await summary.getAttribute('data-dry-run'), 'true')
  // Nothing is stored by the preview.
  let found = await env.api('admin', 'GET', `/api/v1/residents?q=${encodeURIComponent('导入甲')}&reveal=false`)
  assert.equal(found.items.length, 0)
  await env.shot(page, 'import-preview')

  await page.locator('[data-test="import-run"]').click()
  await page.locator('[data-test="import-summary"][data-dry-run="false"]').waitFor()
  const text = await summary.innerText()
  assert.match(text, new RegExp(`${texts.zh.registry?.import?.created ?? ''}\\s*2`))
  assert.equal(await errors.count(), 3)
  await env.shot(page, 'import-report', { fullPage: true })
  found = await env.api('admin', 'GET', `/api/v1/residents?q=${encodeURIComponent('导入')}&reveal=false`)
  assert.deepEqual(found.items.map((r) => r.name).sort(), ['导入丙', '导入甲'].sort())
  await page.context().close()
})

test('the residents list of community staff, with its screenshot', async () => {
  const page = await env.page()
  await env.login(page, 'community')
  await page.locator('[data-test="nav-residents"]').click()
  const rows = page.locator('[data-test="resident-row"]')
  await rows.first().waitFor()
  assert.ok((await rows.count()) >= 20)
  await env.shot(page, 'residents')
  await page.context().close()
})
