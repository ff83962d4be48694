import t from 'tap'
import { buildRegistry } from '../src/modules/jurisdictions/registry.js'
import type { JurisdictionRow } from '../src/modules/jurisdictions/table.js'

const row = (code: string, parentCode: string | null, successorCode: string | null = null): JurisdictionRow => ({
  code, parentCode, successorCode, nameZh: code, nameEn: code, level: 'district', effectiveFrom: null, effectiveTo: successorCode ? '2020-01-01' : null, timeZone: 'Asia/Shanghai'
})

t.test('a city subtree includes its districts, and abolished codes merged into them', async (t) => {
  const registry = buildRegistry([
    row('320600', null), row('320613', '320600'), row('320612', '320600'),
    row('320602', '320600', '320613'), row('320611', '320600', '320613')
  ])
  t.same(registry.subtree('320600'), ['320600', '320602', '320611', '320612', '320613'])
  t.same(registry.subtree('320613'), ['320602', '320611', '320613'])
  t.same(registry.subtree('320611'), ['320602', '320611', '320613'], 'an abolished code filters as its successor')
  t.same(registry.subtree('999999'), [])
  t.equal(registry.current('320602')?.code, '320613')
  t.equal(registry.current('999999'), undefined)
})

t.test('successor chains are followed to the code in force', async (t) => {
  const registry = buildRegistry([row('100001', null, '100002'), row('100002', null, '100003'), row('100003', null)])
  t.equal(registry.current('100001')?.code, '100003')
  t.same(registry.get('100003')?.predecessorCodes, ['100002'])
})
